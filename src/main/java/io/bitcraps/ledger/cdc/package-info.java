/**
 * The committed log beyond this process: {@link io.bitcraps.ledger.cdc.LogTail} follows a ledger
 * file another process writes, batch by batch; {@link io.bitcraps.ledger.cdc.KafkaRelay} publishes
 * each committed batch to Apache Kafka in one transaction (exactly once for a {@code read_committed}
 * consumer); {@link io.bitcraps.ledger.cdc.Standby} applies those records to a replica ledger,
 * verifying the chain and the batch signatures as it goes, and {@link io.bitcraps.ledger.cdc.Promotion}
 * makes a stopped standby a primary under a new epoch (failover). {@link io.bitcraps.ledger.cdc.EventRecords}
 * is the record format both sides share ({@code schemas/cdc/event-record.schema.json}).
 */
package io.bitcraps.ledger.cdc;
