"""librdkafka's idempotent producer (python3-confluent-kafka) against the dev broker: messages/s.
usage: librdkafka-producer.py BOOTSTRAP TOPIC MESSAGES VALUE_BYTES"""
import json
import sys
import time

from confluent_kafka import Producer

boot, topic, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
errors = []
p = Producer({'bootstrap.servers': boot, 'enable.idempotence': True, 'linger.ms': 5, 'batch.num.messages': 1000, 'queue.buffering.max.messages': 200000})
value = b'v' * size
p.produce(topic, value=b'warm-up')
p.flush(30)
start = time.time()
for i in range(n):
    while True:
        try:
            p.produce(topic, key=str(i).encode(), value=value, on_delivery=lambda err, msg: errors.append(str(err)) if err else None)
            break
        except BufferError:
            p.poll(0.01)
    if i % 1000 == 0:
        p.poll(0)
left = p.flush(60)
seconds = time.time() - start
print(json.dumps({'messages': n, 'seconds': seconds, 'undelivered': left, 'errors': errors[:3]}))
