#!/usr/bin/env bash
# Creates the contract's topics (API.md "Events") and their dead-letter topics, idempotently.
# Run by the `kafka-init` one-shot service of docker-compose.yml (apache/kafka image), or by hand:
#   KAFKA_BOOTSTRAP=broker:9092 deploy/kafka-topics.sh
# Key = aggregate id, so one case's events stay in order within a partition; the partition count
# bounds how many consumers of one group work in parallel.
set -euo pipefail

BOOTSTRAP=${KAFKA_BOOTSTRAP:-kafka:9092}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
PARTITIONS=${TOPIC_PARTITIONS:-6}
REPLICATION=${TOPIC_REPLICATION_FACTOR:-1}
# Must equal shared.events.AGGREGATE_TOPICS under the default ECOCOMPLY_TOPIC_PREFIX (tests/test_compose.py).
TOPICS=(
  ecocomply.case-events
  ecocomply.credit-events
  ecocomply.checklist-events
  ecocomply.audit-events
)

topics() { "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" "$@"; }

for attempt in $(seq 1 30); do
  if topics --list >/dev/null 2>&1; then break; fi
  if [ "$attempt" -eq 30 ]; then echo "kafka-topics: broker $BOOTSTRAP not reachable" >&2; exit 1; fi
  sleep 2
done

for topic in "${TOPICS[@]}"; do
  # Events are the integration contract between services: keep them a week.
  topics --create --if-not-exists --topic "$topic" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
    --config retention.ms=604800000
  # Dead letters wait for a human: keep them until deleted.
  topics --create --if-not-exists --topic "$topic.dlq" \
    --partitions 1 --replication-factor "$REPLICATION" \
    --config retention.ms=-1
done
topics --list
