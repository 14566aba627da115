package io.bitcraps.ledger;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.util.Arrays;
import java.util.stream.Stream;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules (docs/architecture.md: the data flow and the packages), checked on the compiled main classes.
 * Dependencies run one way along the data flow:
 * <pre>
 *   internal ← domain ← codec ← projection ← ingest ← api ← sim ← cli
 *                        store ↗               ↖ feed ↙
 *                                               ↖ views (feed) ↙
 * </pre>
 * Plain JUnit tests calling {@code rule.check(classes)}; not the ArchUnit JUnit engine.
 */
class ArchitectureTest {
    private static final String ROOT = "io.bitcraps.ledger";
    private static final String OURS = ROOT + "..";

    private static JavaClasses classes;
    private static boolean resolvedFromClassPath;

    /**
     * Imports our main classes only. The rules need no more than the names of the classes ours use,
     * so the third-party classes are not imported from the class path (that took ~20 s).
     */
    @BeforeAll
    static void importMainClasses() {
        resolvedFromClassPath = ArchConfiguration.get().resolveMissingDependenciesFromClassPath();
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @AfterAll
    static void restoreConfiguration() {
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(resolvedFromClassPath);
    }

    @Test
    void theImportSeesTheMainClassesAndNoTests() {
        assertThat(classes.stream().map(JavaClass::getPackageName).distinct())
                .contains(pkg("api"), pkg("store"), pkg("codec"), pkg("domain"), pkg("ingest"), pkg("cli"), pkg("audit"),
                        pkg("backup"), pkg("health"), pkg("query"), pkg("projection"), pkg("feed"), pkg("views"));
        assertThat(classes.stream().map(JavaClass::getSimpleName)).doesNotContain("ArchitectureTest", "Fixtures");
    }

    @Test
    void internalDependsOnNothingElseOfOurs() {
        onlyOn("internal").check(classes);
    }

    @Test
    void domainDependsOnlyOnInternal() {
        onlyOn("domain", "internal").check(classes);
    }

    /** Player protection is pure rules over event timestamps, like the craps rulebook: no state, I/O or clock of ours. */
    @Test
    void protectionDependsOnlyOnDomainAndInternal() {
        onlyOn("protection", "domain", "internal").check(classes);
    }

    @Test
    void codecDependsOnlyOnDomainAndInternal() {
        onlyOn("codec", "domain", "internal").check(classes);
    }

    /** Store keeps to rows and bytes: it needs no domain type today, so it gets none. */
    @Test
    void storeDependsOnlyOnInternal() {
        onlyOn("store", "internal").check(classes);
    }

    /**
     * The projection folds each open game's rulebook table ({@code craps.GameTable}) with the rest
     * of the state, so that the writer judges by it and a failed batch goes back with it: the craps
     * rulebook is pure domain rules (no I/O, no threads), below the projection.
     */
    @Test
    void projectionDependsOnlyOnDomainCodecCrapsStoreAndInternal() {
        onlyOn("projection", "domain", "codec", "craps", "protection", "store", "internal").check(classes);
    }

    @Test
    void ingestDependsOnlyOnDomainCodecStoreProjectionAndInternal() {
        onlyOn("ingest", "domain", "codec", "craps", "protection", "store", "projection", "internal").check(classes);
    }

    /**
     * Subscriptions sit beside the query side: they take the writer's commit notices (ingest) and
     * read the log (store), and know nothing of the api, health, backups or the CLI. The api
     * turns their status into health checks, so health stays free of them.
     */
    @Test
    void feedDependsOnlyOnIngestProjectionCodecStoreDomainAndInternal() {
        onlyOn("feed", "ingest", "projection", "codec", "store", "domain", "internal").check(classes);
    }

    /**
     * The views file is a subscriber: it folds with the projection code, reads and writes SQLite
     * through store, and starts its subscription through feed. Only the api opens it; the query
     * side reads the file through its own reader pool and needs none of this code.
     */
    @Test
    void viewsDependsOnlyOnFeedIngestProjectionCodecStoreDomainAndInternal() {
        onlyOn("views", "feed", "ingest", "projection", "codec", "store", "domain", "internal").check(classes);
    }

    /**
     * The change feed beyond the process reads and writes ledger files through store, decodes and
     * re-encodes with codec, folds a replica's state with the projection code, and inside the
     * writing process takes the committed batches from a feed subscription; it knows nothing of the
     * api, the writer or the CLI, and only it talks to Kafka (the api starts it, through its own types).
     */
    @Test
    void cdcDependsOnlyOnFeedProjectionCodecStoreDomainAndInternal() {
        onlyOn("cdc", "feed", "projection", "codec", "store", "domain", "internal").check(classes);
    }

    /** The scale-out measurement (bench) makes its topic and adds up the records itself, as an operator's consumer would. */
    @Test
    void onlyCdcTheBenchAndTheCliTalkToKafka() {
        noClasses().that().resideOutsideOfPackages(pkg("cdc") + "..", pkg("cli") + "..", pkg("bench") + "..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
                .check(classes);
    }

    @Test
    void onlyTheApiDependsOnViews() {
        noClasses().that().resideOutsideOfPackages(pkg("views") + "..", pkg("api") + "..")
                .should().dependOnClassesThat().resideInAPackage(pkg("views") + "..")
                .check(classes);
    }

    @Test
    void onlyTheApiDependsOnFeed() {
        noClasses().that().resideOutsideOfPackages(pkg("feed") + "..", pkg("api") + "..", pkg("cli") + "..",
                        pkg("sim") + "..", pkg("views") + "..", pkg("cdc") + "..")
                .should().dependOnClassesThat().resideInAPackage(pkg("feed") + "..")
                .check(classes);
    }

    @Test
    void queryNeverDependsOnIngestApiOrCli() {
        noClasses().that().resideInAPackage(pkg("query") + "..")
                .should().dependOnClassesThat().resideInAnyPackage(pkg("ingest") + "..", pkg("api") + "..",
                        pkg("cli") + "..")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void queryReadsThroughStoreAndProjectionTypesOnly() {
        onlyOn("query", "domain", "projection", "store", "codec", "internal").check(classes);
    }

    /**
     * The audit must not trust the code it checks: it shares nothing with the live projections or the writer. The
     * craps rulebook is not code under audit but the rules a payout is judged by (tested on its own against
     * hand-worked rolls), so the audit may use it.
     */
    @Test
    void auditIsIndependentOfTheLiveProjectionAndWriterCode() {
        onlyOn("audit", "domain", "codec", "craps", "protection", "store", "internal").check(classes);
    }

    @Test
    void backupDependsOnlyOnAuditCodecDomainProjectionStoreAndInternal() {
        onlyOn("backup", "audit", "codec", "domain", "projection", "store", "internal").check(classes);
    }

    @Test
    void healthDependsOnlyOnAuditBackupStoreAndInternal() {
        onlyOn("health", "audit", "backup", "store", "internal").check(classes);
    }

    /**
     * The head hash without a copy is the writer's own array: the packages that build and replay the
     * chain (the writer, replays, restores and the standby) may read it, but nothing on the way to a caller (api, query, health, cli, sim) may, or a
     * caller could be handed the array and change the hash the next commit chains to.
     */
    @Test
    void onlyTheChainBuildersReadTheHeadHashWithoutACopy() {
        noClasses().that().resideOutsideOfPackages(pkg("projection") + "..", pkg("ingest") + "..", pkg("backup") + "..",
                        pkg("cdc") + "..")
                .should().callMethod(pkg("projection") + ".LedgerState", "headHashUnsafe")
                .check(classes);
    }

    @Test
    void micrometerIsConfinedToTheApiAndTheReaderPool() {
        noClasses().that().resideOutsideOfPackages(pkg("api") + "..", pkg("query") + "..")
                .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
                .check(classes);
    }

    @Test
    void apiUsesEverythingExceptCliAndSim() {
        noClasses().that().resideInAPackage(pkg("api") + "..")
                .should().dependOnClassesThat().resideInAnyPackage(pkg("cli") + "..", pkg("sim") + "..")
                .check(classes);
    }

    @Test
    void simDependsOnlyOnApiCrapsDomainAndInternal() {
        onlyOn("sim", "api", "craps", "domain", "internal").check(classes);
    }

    @Test
    void nothingButCliDependsOnCli() {
        noClasses().that().resideOutsideOfPackage(pkg("cli") + "..")
                .should().dependOnClassesThat().resideInAPackage(pkg("cli") + "..")
                .check(classes);
    }

    @Test
    void thePackagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyCodecDependsOnChronicle() {
        noClasses().that().resideOutsideOfPackage(pkg("codec") + "..")
                .should().dependOnClassesThat().resideInAPackage("net.openhft..")
                .because("Chronicle Bytes is confined to one package (docs/formats.md: the frame)")
                .check(classes);
    }

    @Test
    void nothingOutsideCliUsesTheStandardStreams() {
        JavaClasses outsideCli = classes.that(resideOutsideOfPackage(pkg("cli") + ".."));
        GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS.check(outsideCli);
        // the same streams reached around System.out/err
        noClasses().that().resideOutsideOfPackage(pkg("cli") + "..")
                .should().accessField(FileDescriptor.class, "out")
                .orShould().accessField(FileDescriptor.class, "err")
                .check(classes);
    }

    @Test
    void noClassUsesJavaUtilLogging() {
        noClasses().should().dependOnClassesThat().resideInAPackage("java.util.logging..")
                .because("logging goes through SLF4J")
                .check(classes);
    }

    /** Test classes included: jqwik would show up there first (the project uses QuickTheories, not jqwik). */
    @Test
    void noClassEvenInTheTestsUsesJqwik() {
        JavaClasses withTests = new ClassFileImporter().importPackages(ROOT);
        assertThat(withTests.size()).isGreaterThan(classes.size());
        noClasses().should().dependOnClassesThat().resideInAPackage("net.jqwik..")
                .because("jqwik's maintainers ask AI coding agents not to use it")
                .check(withTests);
    }

    /**
     * The public surface: what a caller can reach from the public types of the exported packages, through public
     * and protected signatures (parameters, results and supertypes with their type arguments, exceptions, fields), is the api,
     * the domain, the subscription types of feed and the health report, the JDK, and Micrometer's registry (a caller hands in its
     * own). Everything else is the library's inside: public for its other packages, but never handed out, so it
     * can change without breaking an embedder. The closure a {@code module-info} exporting these packages would
     * give, checked without putting the tests on the module path, and finer where it must be: one public class of
     * feed is inside ({@link #INSIDE_OF_EXPORTED_PACKAGES}).
     */
    @Test
    void theApiHandsOutOnlyExportedTypes() {
        assertThat(typesLeakingThroughTheApi()).as("inside types reachable from the api's public signatures").isEmpty();
    }

    private static final java.util.Set<String> EXPORTED = java.util.Set.of(pkg("api"), pkg("domain"), pkg("feed"), pkg("health"));
    /**
     * Public for other packages of ours but not part of the surface, though their package is: the subscriptions'
     * registry, which the api, the views file and the relay start and feed with commit notices, and the health
     * monitor and its database checks, which the api runs (the report, its checks and thresholds are the surface). A module-info could
     * not say this (it exports whole packages); here, reaching one of them from the surface is a leak like any other.
     */
    private static final java.util.Set<String> INSIDE_OF_EXPORTED_PACKAGES = java.util.Set.of(pkg("feed") + ".Subscriptions",
            pkg("health") + ".HealthMonitor", pkg("health") + ".DatabaseChecks");
    private static final java.util.Set<String> THIRD_PARTY_ALLOWED = java.util.Set.of("io.micrometer.core.instrument.MeterRegistry");

    private static java.util.SortedSet<String> typesLeakingThroughTheApi() {
        java.util.Deque<JavaClass> todo = new java.util.ArrayDeque<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        // every public type of an exported package is reachable by name, as a module-info export makes it
        classes.stream().filter(c -> EXPORTED.contains(c.getPackageName()) && isPublic(c))
                .filter(c -> !INSIDE_OF_EXPORTED_PACKAGES.contains(c.getName())).forEach(todo::add);
        java.util.SortedSet<String> leaks = new java.util.TreeSet<>();
        while (!todo.isEmpty()) {
            JavaClass c = todo.poll();
            if (!seen.add(c.getName())) {
                continue;
            }
            String p = c.getPackageName();
            if (p.startsWith("java.") || p.startsWith("javax.") || THIRD_PARTY_ALLOWED.contains(c.getName())) {
                continue;
            }
            if (!EXPORTED.contains(p) || INSIDE_OF_EXPORTED_PACKAGES.contains(c.getName())) {
                leaks.add(c.getName());
                continue;   // what an inside type exposes in turn is its own business, once it is sealed off
            }
            java.util.List<JavaClass> reached = new java.util.ArrayList<>();
            c.getSuperclass().ifPresent(t -> reached.addAll(t.getAllInvolvedRawTypes()));
            c.getInterfaces().forEach(t -> reached.addAll(t.getAllInvolvedRawTypes()));
            for (com.tngtech.archunit.core.domain.JavaMember m : c.getMembers()) {
                if (!isVisible(m.getModifiers())) {
                    continue;
                }
                if (m instanceof com.tngtech.archunit.core.domain.JavaCodeUnit u) {
                    u.getParameterTypes().forEach(t -> reached.addAll(t.getAllInvolvedRawTypes()));
                    reached.addAll(u.getReturnType().getAllInvolvedRawTypes());
                    reached.addAll(u.getThrowsClause().getTypes());
                } else if (m instanceof com.tngtech.archunit.core.domain.JavaField f) {
                    reached.addAll(f.getType().getAllInvolvedRawTypes());
                }
            }
            for (JavaClass r : reached) {
                JavaClass base = r.isArray() ? r.getBaseComponentType() : r;
                if (!base.isPrimitive()) {
                    todo.add(base);
                }
            }
        }
        return leaks;
    }

    /**
     * The CLI is a thin shell over the library: it reads through the public surface ({@code api}, {@code domain},
     * {@code feed}: {@code LedgerReader}, {@code EventLines}, {@code Ledger}) and drives the operator's tools
     * ({@code audit}, {@code backup}, {@code health}, {@code cdc}, {@code sim}, {@code bench}) through their
     * entry points, never the writer's inside ({@code store}, {@code codec}, {@code projection}, {@code query},
     * {@code ingest}, {@code views}, {@code craps}, {@code protection}, {@code internal}). What a command needs
     * from inside gets an entry point of the library first (issue #15: {@code LedgerReader}, {@code SchemaMigration},
     * {@code cdc.Promotion}, {@code feed.StoppedLedgerCheckpoints}, ...).
     */
    @Test
    void theCliReachesTheLibraryThroughItsSurfaceAndTools() {
        java.util.Set<String> inside = java.util.Set.of(pkg("store"), pkg("codec"), pkg("projection"), pkg("query"),
                pkg("ingest"), pkg("views"), pkg("craps"), pkg("protection"), pkg("internal"));
        java.util.SortedSet<String> reaching = new java.util.TreeSet<>();
        classes.stream().filter(c -> c.getPackageName().equals(pkg("cli"))).forEach(c -> c.getDirectDependenciesFromSelf()
                .stream().filter(d -> inside.contains(d.getTargetClass().getPackageName()))
                .forEach(d -> reaching.add(topLevel(c).getSimpleName())));
        // every command is thin now: one that reaches inside fails here
        assertThat(reaching).as("CLI classes that use the writer's inside").isEmpty();
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass top = c;
        while (top.getEnclosingClass().isPresent()) {
            top = top.getEnclosingClass().get();
        }
        return top;
    }

    private static boolean isPublic(JavaClass c) {
        return c.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC);
    }

    private static boolean isVisible(java.util.Set<com.tngtech.archunit.core.domain.JavaModifier> modifiers) {
        return modifiers.contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)
                || modifiers.contains(com.tngtech.archunit.core.domain.JavaModifier.PROTECTED);
    }

    /** Classes of {@code pkg} may depend on their own package, the allowed ones, and anything not ours. */
    private static ArchRule onlyOn(String pkg, String... allowed) {
        String[] packages = Stream.concat(Stream.of(pkg), Arrays.stream(allowed)).map(p -> pkg(p) + "..")
                .toArray(String[]::new);
        DescribedPredicate<JavaClass> permitted = resideOutsideOfPackage(OURS).or(resideInAnyPackage(packages));
        return classes().that().resideInAPackage(pkg(pkg) + "..")
                .should().onlyDependOnClassesThat(permitted.as("reside outside " + OURS + " or in " + String.join(", ", packages)));
    }

    private static String pkg(String name) {
        return ROOT + "." + name;
    }
}
