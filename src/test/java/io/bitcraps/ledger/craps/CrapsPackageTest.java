package io.bitcraps.ledger.craps;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/** The rulebook is pure: it uses the domain types and the JDK's lang and collections, nothing else. */
class CrapsPackageTest {
    private static final String CRAPS = "io.bitcraps.ledger.craps";
    private static JavaClasses classes;
    private static boolean resolvedFromClassPath;

    /** Only the names of the classes used are needed, so nothing is resolved from the class path (slow). */
    @BeforeAll
    static void importTheRulebook() {
        resolvedFromClassPath = ArchConfiguration.get().resolveMissingDependenciesFromClassPath();
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(CRAPS);
    }

    @AfterAll
    static void restoreConfiguration() {
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(resolvedFromClassPath);
    }

    @Test
    void theImportSeesTheRulebook() {
        assertThat(classes.contain(Rulebook.class)).isTrue();
        assertThat(classes.contain(CrapsTable.class)).isTrue();
    }

    /**
     * And on pcollections' persistent maps, which {@link GameTable} is made of, and on the JDK's
     * SHA-256 and HMAC, which {@link FairDice} derives the dice with: pure functions and values, no I/O.
     */
    @Test
    void dependsOnlyOnTheDomainJavaLangAndUtilPersistentCollectionsAndHashes() {
        classes().that().resideInAPackage(CRAPS + "..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(CRAPS + "..", "io.bitcraps.ledger.domain..",
                        "java.lang..", "java.util..", "org.pcollections..", "java.security..", "javax.crypto..")
                .check(classes);
    }

    @Test
    void noIoNoThreadsNoClockNoRandomness() {
        noClasses().that().resideInAPackage(CRAPS + "..")
                .should().dependOnClassesThat().resideInAnyPackage("java.util.concurrent..", "java.lang.reflect..",
                        "java.io..", "java.nio..", "java.time..", "java.util.random..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(Thread.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName(System.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName(Runtime.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName(java.util.Random.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName(java.util.SplittableRandom.class.getName())
                .orShould().dependOnClassesThat().haveFullyQualifiedName(java.security.SecureRandom.class.getName())
                .check(classes);
    }
}
