"""Scenarios driven with Kafka clients written independently of this broker: kafka-python (pure Python)
and confluent-kafka (librdkafka), both from Debian's packages. Each scenario prints one JSON object;
the jest suite python-clients.int.spec.ts runs them against a dev broker and checks the answers."""
import json
import sys
import time

BOOT = sys.argv[2]


def out(obj):
    print(json.dumps(obj))
    sys.stdout.flush()


def hexs(b):
    return None if b is None else b.hex()


def kp_group(topic):
    """kafka-python: a group of two members (each polling in its own thread, as applications do), a
    rebalance when the second joins, commits, and a third member resuming from the commits."""
    import threading
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    producer = KafkaProducer(bootstrap_servers=BOOT)
    for i in range(40):
        producer.send(topic, key=b'k%d' % i, value=b'v%d' % i, partition=i % 4)
    producer.flush()

    def member(name):
        return KafkaConsumer(topic, bootstrap_servers=BOOT, group_id='py-group', client_id=name, auto_offset_reset='earliest',
                             enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=500, max_poll_records=5,
                             max_poll_interval_ms=20000)

    seen = {'a': set(), 'b': set()}
    assignments = {}
    stop = threading.Event()

    def run(name, consumer, first_assignment):
        while not stop.is_set():
            for recs in consumer.poll(200).values():
                seen[name].update(r.value.decode() for r in recs)
                time.sleep(0.05)  # slow consumers, so the rebalance happens while records are left
            consumer.commit()
            parts = sorted(tp.partition for tp in consumer.assignment())
            if parts and name not in first_assignment:
                first_assignment[name] = parts
            assignments[name] = parts
        consumer.commit()

    a = member('a')
    first = {}
    ta = threading.Thread(target=run, args=('a', a, first))
    ta.start()
    deadline = time.time() + 40
    while 'a' not in first and time.time() < deadline:
        time.sleep(0.05)
    b = member('b')
    tb = threading.Thread(target=run, args=('b', b, {}))
    tb.start()
    while time.time() < deadline:
        pa, pb = set(assignments.get('a', [])), set(assignments.get('b', []))
        if pa and pb and not (pa & pb) and len(pa | pb) == 4 and len(seen['a'] | seen['b']) == 40:
            break
        time.sleep(0.1)
    shared = {'a': assignments.get('a', []), 'b': assignments.get('b', [])}
    time.sleep(0.5)
    stop.set()
    ta.join()
    tb.join()
    committed = {p: b.committed(TopicPartition(topic, p)) for p in range(4)}
    a.close()
    b.close()
    for i in range(40, 44):
        producer.send(topic, value=b'v%d' % i, partition=i % 4)
    producer.flush()
    c = member('c')
    resumed = []
    deadline = time.time() + 30
    while len(resumed) < 4 and time.time() < deadline:
        for recs in c.poll(200).values():
            resumed.extend(r.value.decode() for r in recs)
    c.close()
    out({'alone': first.get('a'), 'shared': shared, 'consumed': len(seen['a'] | seen['b']), 'committed': committed, 'resumed': sorted(resumed)})


def ck_group(topic):
    """librdkafka: two members with a rebalance, commits, and a member resuming from them."""
    from confluent_kafka import Consumer, Producer

    p = Producer({'bootstrap.servers': BOOT})
    for i in range(20):
        p.produce(topic, value=b'c%d' % i, partition=i % 2)
    p.flush(10)
    assigned = {}

    def member(name):
        c = Consumer({'bootstrap.servers': BOOT, 'group.id': 'ck-group', 'client.id': name, 'auto.offset.reset': 'earliest',
                      'enable.auto.commit': False, 'session.timeout.ms': 10000, 'heartbeat.interval.ms': 500})
        c.subscribe([topic], on_assign=lambda cons, parts: assigned.__setitem__(name, sorted(tp.partition for tp in parts)))
        return c

    seen = set()
    a = member('a')
    deadline = time.time() + 30
    while 'a' not in assigned and time.time() < deadline:
        m = a.poll(0.2)
        if m is not None and not m.error():
            seen.add(m.value().decode())
    alone = assigned.get('a')
    b = member('b')
    while time.time() < deadline:
        for c in (a, b):
            m = c.poll(0.1)
            if m is not None and not m.error():
                seen.add(m.value().decode())
                c.commit(message=m, asynchronous=False)
        if assigned.get('b') and len(assigned.get('a', [])) == 1 and len(seen) == 20:
            break
    shared = dict(assigned)
    a.close()
    b.close()
    for i in range(20, 22):
        p.produce(topic, value=b'c%d' % i, partition=i % 2)
    p.flush(10)
    c = member('c')
    resumed = []
    deadline = time.time() + 30
    while len(resumed) < 2 and time.time() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            resumed.append(m.value().decode())
    c.close()
    out({'alone': alone, 'shared': shared, 'consumed': len(seen), 'resumed': sorted(resumed)})


def codecs(topic_prefix):
    """Every codec from both clients; the broker stores each batch as sent."""
    from confluent_kafka import Producer
    from kafka import KafkaProducer
    res = {}
    for codec in ('gzip', 'snappy', 'lz4', 'zstd'):
        p = Producer({'bootstrap.servers': BOOT, 'compression.type': codec, 'linger.ms': 5})
        for i in range(10):
            p.produce('%s.ck.%s' % (topic_prefix, codec), value=(b'%s-%d-' % (codec.encode(), i)) * 20)
        res['ck.' + codec] = p.flush(10)
        kp = KafkaProducer(bootstrap_servers=BOOT, compression_type=codec, linger_ms=5)
        for i in range(10):
            kp.send('%s.kp.%s' % (topic_prefix, codec), value=(b'%s-%d-' % (codec.encode(), i)) * 20)
        kp.flush()
        kp.close()
        res['kp.' + codec] = 0
    out(res)


def by_time(topic):
    """Offsets by timestamp from both clients: the first record at or after the time, with its own timestamp."""
    from confluent_kafka import Consumer, Producer, TopicPartition as CTP
    from kafka import KafkaConsumer, TopicPartition
    p = Producer({'bootstrap.servers': BOOT})
    for t in (1000, 2000, 3000, 4000):
        p.produce(topic, value=b'at %d' % t, timestamp=t, partition=0)
    p.flush(10)
    c = Consumer({'bootstrap.servers': BOOT, 'group.id': 'by-time'})
    ck = [c.offsets_for_times([CTP(topic, 0, t)], timeout=10)[0].offset for t in (2500, 1000, 9000)]
    c.close()
    kc = KafkaConsumer(bootstrap_servers=BOOT)
    found = kc.offsets_for_times({TopicPartition(topic, 0): 2500})[TopicPartition(topic, 0)]
    kc.close()
    out({'ck': ck, 'kp': {'offset': found.offset, 'timestamp': found.timestamp}})


def headers_produce(topic):
    """librdkafka produces records with null, empty, repeated and binary headers."""
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': BOOT})
    p.produce(topic, key=b'h', value=b'with headers', partition=0,
              headers=[('null', None), ('empty', b''), ('rep', b'1'), ('rep', b'2'), ('bin', bytes(range(256)))])
    p.flush(10)
    out({'ok': True})


def headers_read(topic):
    """Both clients read the headers back, as hex (None for null)."""
    from confluent_kafka import Consumer, TopicPartition as CTP
    from kafka import KafkaConsumer, TopicPartition
    c = Consumer({'bootstrap.servers': BOOT, 'group.id': 'hdr-ck', 'auto.offset.reset': 'earliest'})
    c.assign([CTP(topic, 0, 0)])
    ck = None
    deadline = time.time() + 20
    while ck is None and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            ck = [[k, hexs(v)] for k, v in (m.headers() or [])]
    c.close()
    kc = KafkaConsumer(bootstrap_servers=BOOT, auto_offset_reset='earliest', consumer_timeout_ms=10000)
    kc.assign([TopicPartition(topic, 0)])
    kc.seek(TopicPartition(topic, 0), 0)
    kp = None
    for m in kc:
        kp = [[k, hexs(v)] for k, v in m.headers]
        break
    kc.close()
    out({'ck': ck, 'kp': kp})


def admin(topic):
    """kafka-python's admin client: create (refused above one replica), configs, partitions, groups, offsets of a group."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
    from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
    from kafka.errors import InvalidReplicationFactorError, NonEmptyGroupError, GroupIdNotFoundError
    a = KafkaAdminClient(bootstrap_servers=BOOT)
    res = {}
    try:
        a.create_topics([NewTopic(topic + '.rf3', 1, 3)])
        res['rf3'] = 'created'
    except InvalidReplicationFactorError:
        res['rf3'] = 'INVALID_REPLICATION_FACTOR'
    a.create_topics([NewTopic(topic, 2, 1, topic_configs={'retention.ms': '3600000'})])
    a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'retention.ms': '7200000', 'cleanup.policy': 'compact'})])
    described = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    entries = {e[0]: e[1] for e in described[0].resources[0][4]}
    res['configs'] = {k: entries.get(k) for k in ('retention.ms', 'cleanup.policy', 'segment.bytes')}
    res['configCount'] = len(entries)
    broker = a.describe_configs([ConfigResource(ConfigResourceType.BROKER, '0')])
    bentries = {e[0]: e[1] for e in broker[0].resources[0][4]}
    res['broker'] = {k: bentries.get(k) for k in ('num.partitions', 'default.replication.factor', 'auto.create.topics.enable')}
    a.create_partitions({topic: NewPartitions(3)})
    c = KafkaConsumer(topic, bootstrap_servers=BOOT, group_id='py-admin', auto_offset_reset='earliest', enable_auto_commit=False)
    deadline = time.time() + 20
    while not c.assignment() and time.time() < deadline:
        c.poll(200)
    c.commit({TopicPartition(topic, p): __import__('kafka').OffsetAndMetadata(0, '') for p in range(3)})
    res['groups'] = sorted(g[0] for g in a.list_consumer_groups())
    res['deleteBusy'] = [[g, err.__name__] for g, err in a.delete_consumer_groups(['py-admin'])]
    c.close()
    res['offsets'] = sorted([tp.partition, om.offset] for tp, om in a.list_consumer_group_offsets('py-admin').items())
    deleted = a.delete_consumer_groups(['py-admin', 'py-no-such-group'])
    res['deleted'] = [[g, err.__name__] for g, err in deleted]
    a.close()
    out(res)


def old_formats(topic):
    """kafka-python told to speak Kafka 0.10 (Produce v2, Fetch v2-3: message format 1) and 0.9 (format 0), gzip-compressed."""
    from kafka import KafkaConsumer, KafkaProducer
    res = {}
    for name, av in (('v0.10', (0, 10, 0)), ('v0.9', (0, 9))):
        p = KafkaProducer(bootstrap_servers=BOOT, api_version=av, compression_type='gzip')
        for i in range(3):
            p.send('%s.%s' % (topic, name), key=b'k%d' % i, value=b'old %d' % i, partition=0)
        p.flush()
        p.close()
        c = KafkaConsumer('%s.%s' % (topic, name), bootstrap_servers=BOOT, api_version=av, auto_offset_reset='earliest', consumer_timeout_ms=5000)
        res[name] = [[m.offset, m.key.decode(), m.value.decode(), m.timestamp is not None] for m in c]
        c.close()
    out(res)


def _rdkafka():
    """librdkafka's own admin API (its C functions through ctypes): Debian's confluent-kafka 1.7
    binding predates DeleteGroups, DeleteRecords, OffsetDelete and listing a group's offsets."""
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library('rdkafka') or 'librdkafka.so.1')
    vp, cp, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t

    class Partition(ctypes.Structure):
        _fields_ = [('topic', cp), ('partition', ctypes.c_int32), ('offset', ctypes.c_int64), ('metadata', vp),
                    ('metadata_size', sz), ('opaque', vp), ('err', ctypes.c_int), ('_private', vp)]

    class PartitionList(ctypes.Structure):
        _fields_ = [('cnt', ctypes.c_int), ('size', ctypes.c_int), ('elems', ctypes.POINTER(Partition))]

    PL = ctypes.POINTER(PartitionList)
    sigs = {
        'rd_kafka_conf_new': ([], vp), 'rd_kafka_conf_set': ([vp, cp, cp, cp, sz], ctypes.c_int),
        'rd_kafka_new': ([ctypes.c_int, vp, cp, sz], vp), 'rd_kafka_destroy': ([vp], None),
        'rd_kafka_queue_new': ([vp], vp), 'rd_kafka_queue_destroy': ([vp], None), 'rd_kafka_queue_poll': ([vp, ctypes.c_int], vp),
        'rd_kafka_event_destroy': ([vp], None), 'rd_kafka_event_error': ([vp], ctypes.c_int),
        'rd_kafka_err2name': ([ctypes.c_int], cp), 'rd_kafka_error_code': ([vp], ctypes.c_int),
        'rd_kafka_AdminOptions_new': ([vp, ctypes.c_int], vp), 'rd_kafka_AdminOptions_destroy': ([vp], None),
        'rd_kafka_topic_partition_list_new': ([ctypes.c_int], PL), 'rd_kafka_topic_partition_list_destroy': ([PL], None),
        'rd_kafka_topic_partition_list_add': ([PL, cp, ctypes.c_int32], ctypes.POINTER(Partition)),
        'rd_kafka_group_result_name': ([vp], cp), 'rd_kafka_group_result_error': ([vp], vp), 'rd_kafka_group_result_partitions': ([vp], PL),
        'rd_kafka_DeleteGroup_new': ([cp], vp), 'rd_kafka_DeleteGroups': ([vp, ctypes.POINTER(vp), sz, vp, vp], None),
        'rd_kafka_event_DeleteGroups_result': ([vp], vp), 'rd_kafka_DeleteGroups_result_groups': ([vp, ctypes.POINTER(sz)], ctypes.POINTER(vp)),
        'rd_kafka_ListConsumerGroupOffsets_new': ([cp, PL], vp), 'rd_kafka_ListConsumerGroupOffsets': ([vp, ctypes.POINTER(vp), sz, vp, vp], None),
        'rd_kafka_event_ListConsumerGroupOffsets_result': ([vp], vp),
        'rd_kafka_ListConsumerGroupOffsets_result_groups': ([vp, ctypes.POINTER(sz)], ctypes.POINTER(vp)),
        'rd_kafka_DeleteConsumerGroupOffsets_new': ([cp, PL], vp), 'rd_kafka_DeleteConsumerGroupOffsets': ([vp, ctypes.POINTER(vp), sz, vp, vp], None),
        'rd_kafka_event_DeleteConsumerGroupOffsets_result': ([vp], vp),
        'rd_kafka_DeleteConsumerGroupOffsets_result_groups': ([vp, ctypes.POINTER(sz)], ctypes.POINTER(vp)),
        'rd_kafka_DeleteRecords_new': ([PL], vp), 'rd_kafka_DeleteRecords': ([vp, ctypes.POINTER(vp), sz, vp, vp], None),
        'rd_kafka_event_DeleteRecords_result': ([vp], vp), 'rd_kafka_DeleteRecords_result_offsets': ([vp], PL),
    }
    for name, (args, res) in sigs.items():
        f = getattr(lib, name)
        f.argtypes, f.restype = args, res

    err = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    lib.rd_kafka_conf_set(conf, b'bootstrap.servers', BOOT.encode(), err, 512)
    rk = lib.rd_kafka_new(0, conf, err, 512)
    name = lambda code: lib.rd_kafka_err2name(code).decode()

    def partitions(pl):
        if not pl:
            return []
        return sorted([pl.contents.elems[i].topic.decode(), pl.contents.elems[i].partition, pl.contents.elems[i].offset,
                       name(pl.contents.elems[i].err)] for i in range(pl.contents.cnt))

    def plist(items):
        pl = lib.rd_kafka_topic_partition_list_new(len(items))
        for topic, partition, offset in items:
            lib.rd_kafka_topic_partition_list_add(pl, topic.encode(), partition).contents.offset = offset
        return pl

    def call(verb, request, result_of, read):
        """One admin call, answered on its own queue: its top-level error, or what `read` makes of its result."""
        q = lib.rd_kafka_queue_new(rk)
        opts = lib.rd_kafka_AdminOptions_new(rk, 0)
        arr = (vp * 1)(request)
        getattr(lib, 'rd_kafka_' + verb)(rk, arr, 1, opts, q)
        ev = lib.rd_kafka_queue_poll(q, 20000)
        try:
            if not ev:
                return 'TIMED_OUT'
            code = lib.rd_kafka_event_error(ev)
            return name(code) if code else read(getattr(lib, result_of)(ev))
        finally:
            if ev:
                lib.rd_kafka_event_destroy(ev)
            lib.rd_kafka_AdminOptions_destroy(opts)
            lib.rd_kafka_queue_destroy(q)

    def groups(getter):
        def read(res):
            n = sz()
            arr = getattr(lib, getter)(res, ctypes.byref(n))
            found = []
            for i in range(n.value):
                e = lib.rd_kafka_group_result_error(arr[i])
                found.append([lib.rd_kafka_group_result_name(arr[i]).decode(), name(lib.rd_kafka_error_code(e)) if e else 'NO_ERROR',
                              partitions(lib.rd_kafka_group_result_partitions(arr[i]))])
            return found
        return read

    class Admin:
        def delete_groups(self, group):
            return call('DeleteGroups', lib.rd_kafka_DeleteGroup_new(group.encode()), 'rd_kafka_event_DeleteGroups_result',
                        groups('rd_kafka_DeleteGroups_result_groups'))

        def list_offsets(self, group):
            """Every committed offset of the group: no partitions given, so librdkafka asks OffsetFetch with null topics."""
            return call('ListConsumerGroupOffsets', lib.rd_kafka_ListConsumerGroupOffsets_new(group.encode(), None),
                        'rd_kafka_event_ListConsumerGroupOffsets_result', groups('rd_kafka_ListConsumerGroupOffsets_result_groups'))

        def delete_offsets(self, group, items):
            return call('DeleteConsumerGroupOffsets', lib.rd_kafka_DeleteConsumerGroupOffsets_new(group.encode(), plist(items)),
                        'rd_kafka_event_DeleteConsumerGroupOffsets_result', groups('rd_kafka_DeleteConsumerGroupOffsets_result_groups'))

        def delete_records(self, items):
            return call('DeleteRecords', lib.rd_kafka_DeleteRecords_new(plist(items)), 'rd_kafka_event_DeleteRecords_result',
                        lambda res: partitions(lib.rd_kafka_DeleteRecords_result_offsets(res)))

        def close(self):
            lib.rd_kafka_destroy(rk)

    return Admin()


def rdkafka_admin(topic):
    """librdkafka's admin calls: a group's offsets listed whole, DeleteGroups and OffsetDelete refused
    while members use them and done after, DeleteRecords moving the log start."""
    from confluent_kafka import Consumer, Producer, TopicPartition as CTP
    p = Producer({'bootstrap.servers': BOOT})
    for i in range(5):
        p.produce(topic, value=b'r%d' % i, partition=0)
    p.produce(topic, value=b'one', partition=1)
    p.flush(10)
    group = 'ck-admin'
    c = Consumer({'bootstrap.servers': BOOT, 'group.id': group, 'enable.auto.commit': False, 'auto.offset.reset': 'earliest'})
    c.subscribe([topic])
    deadline = time.time() + 30
    while len(c.assignment()) < 2 and time.time() < deadline:
        c.poll(0.2)
    c.commit(offsets=[CTP(topic, 0, 3), CTP(topic, 1, 1)], asynchronous=False)
    a = _rdkafka()
    res = {'listed': a.list_offsets(group), 'deleteBusy': a.delete_groups(group),
           'offsetDeleteBusy': a.delete_offsets(group, [(topic, 0, -1001)])}
    c.close()
    res['offsetDeleted'] = a.delete_offsets(group, [(topic, 0, -1001)])
    res['listedAfter'] = a.list_offsets(group)
    res['deleteRecords'] = a.delete_records([(topic, 0, 2)])
    w = Consumer({'bootstrap.servers': BOOT, 'group.id': 'ck-watermarks'})
    res['watermarks'] = list(w.get_watermark_offsets(CTP(topic, 0), timeout=10))
    w.close()
    res['deleted'] = a.delete_groups(group)
    res['deletedAgain'] = a.delete_groups(group)
    a.close()
    out(res)


def lag_monitor(topic):
    """A lag monitor as Burrow works: committed offsets read from __consumer_offsets and decoded with
    Kafka's key/value schemas, the log end from ListOffsets v0 (kafka-python speaking Kafka 0.10.0)."""
    import struct
    from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
    p = KafkaProducer(bootstrap_servers=BOOT)
    for i in range(10):
        p.send(topic, value=b'm%d' % i, partition=0)
    p.flush()
    p.close()
    c = KafkaConsumer(topic, bootstrap_servers=BOOT, group_id='lag-watched', enable_auto_commit=False, auto_offset_reset='earliest')
    deadline = time.time() + 30
    while not c.assignment() and time.time() < deadline:
        c.poll(200)
    c.commit({TopicPartition(topic, 0): OffsetAndMetadata(4, 'seen four')})
    c.close()

    def string(b, at):
        n = struct.unpack_from('>h', b, at)[0]
        return (None, at + 2) if n < 0 else (b[at + 2:at + 2 + n].decode(), at + 2 + n)

    committed, groups = {}, {}
    monitor = KafkaConsumer(bootstrap_servers=BOOT, api_version=(0, 10, 0), consumer_timeout_ms=3000, enable_auto_commit=False)
    parts = [TopicPartition('__consumer_offsets', n) for n in sorted(monitor.partitions_for_topic('__consumer_offsets') or [])]
    monitor.assign(parts)
    monitor.seek_to_beginning(*parts)
    for m in monitor:
        version = struct.unpack_from('>h', m.key, 0)[0]
        group, at = string(m.key, 2)
        if version in (0, 1):
            t, at = string(m.key, at)
            partition = struct.unpack_from('>i', m.key, at)[0]
            if m.value is None:
                committed.pop((group, t, partition), None)
                continue
            value_version, offset = struct.unpack_from('>hq', m.value, 0)
            at = 10 + (4 if value_version >= 3 else 0)
            metadata, at = string(m.value, at)
            committed[(group, t, partition)] = {'offset': offset, 'metadata': metadata, 'valueVersion': value_version}
        elif version == 2:
            if m.value is None:
                groups.pop(group, None)
                continue
            value_version = struct.unpack_from('>h', m.value, 0)[0]
            protocol_type, at = string(m.value, 2)
            generation = struct.unpack_from('>i', m.value, at)[0]
            groups[group] = {'valueVersion': value_version, 'protocolType': protocol_type, 'generation': generation}
    end = monitor.end_offsets([TopicPartition(topic, 0)])[TopicPartition(topic, 0)]
    monitor.close()
    mine = committed.get(('lag-watched', topic, 0))
    out({'committed': mine, 'group': groups.get('lag-watched'), 'partitions': len(parts), 'end': end,
         'lag': None if mine is None else end - mine['offset']})


def cleaner(topic):
    """Compaction and retention on a running broker, configured through kafka-python: a compacted topic
    keeps the latest value per key and loses its tombstone; a topic given retention.bytes with
    IncrementalAlterConfigs (sent with kafka-python's own protocol encoder: its admin client predates
    that API) loses its oldest segments, and a consumer from the earliest offset starts after them."""
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic
    from kafka.protocol.api import Request, Response
    from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String

    class IncrementalAlterConfigsResponse_v0(Response):
        API_KEY = 44
        API_VERSION = 0
        SCHEMA = Schema(('throttle_time_ms', Int32), ('responses', Array(('error_code', Int16), ('error_message', String('utf-8')),
                                                                          ('resource_type', Int8), ('resource_name', String('utf-8')))))

    class IncrementalAlterConfigsRequest_v0(Request):
        API_KEY = 44
        API_VERSION = 0
        RESPONSE_TYPE = IncrementalAlterConfigsResponse_v0
        SCHEMA = Schema(('resources', Array(('resource_type', Int8), ('resource_name', String('utf-8')),
                                            ('configs', Array(('name', String('utf-8')), ('config_operation', Int8), ('value', String('utf-8')))))),
                        ('validate_only', Boolean))

    compacted, retained = topic + '.compacted', topic + '.retained'
    a = KafkaAdminClient(bootstrap_servers=BOOT)
    a.create_topics([NewTopic(compacted, 1, 1, topic_configs={'cleanup.policy': 'compact', 'segment.bytes': '1024', 'delete.retention.ms': '0'}),
                     NewTopic(retained, 1, 1, topic_configs={'segment.bytes': '1024'})])
    future = a._send_request_to_node(a._client.least_loaded_node(), IncrementalAlterConfigsRequest_v0(
        [(2, retained, [('retention.bytes', 0, '2048')])], False))
    a._wait_for_futures([future])
    res = {'altered': [r[0] for r in future.value.responses]}
    a.close()

    p = KafkaProducer(bootstrap_servers=BOOT, linger_ms=0)
    for rnd in range(10):
        for k in range(5):
            p.send(compacted, key=b'k%d' % k, value=b'k%d-%d' % (k, rnd)).get(10)
    p.send(compacted, key=b'k0', value=None).get(10)
    for i in range(30):  # enough after the tombstone to close its segment: the active one is never cleaned
        p.send(compacted, key=b'f%d' % i, value=b'filler %d ' % i * 4).get(10)
    for i in range(100):
        p.send(retained, value=b'r%03d ' % i * 20).get(10)
    p.close()

    def read(t):
        c = KafkaConsumer(bootstrap_servers=BOOT, auto_offset_reset='earliest', consumer_timeout_ms=1500, enable_auto_commit=False)
        c.assign([TopicPartition(t, 0)])
        c.seek_to_beginning(TopicPartition(t, 0))
        got = [(m.offset, m.key.decode() if m.key else None, None if m.value is None else m.value.decode()) for m in c]
        c.close()
        return got

    deadline = time.time() + 30
    while True:
        records = read(compacted)
        keyed = [[k, v] for _, k, v in records if k.startswith('k')]
        if sorted(keyed) == [['k%d' % k, 'k%d-9' % k] for k in range(1, 5)] or time.time() > deadline:
            break
        time.sleep(0.3)
    res['compacted'] = sorted(keyed)
    res['fillers'] = len([1 for _, k, _ in records if k.startswith('f')])
    while True:
        records = read(retained)
        if (records and records[0][0] > 0) or time.time() > deadline:
            break
        time.sleep(0.3)
    c = KafkaConsumer(bootstrap_servers=BOOT)
    start = c.beginning_offsets([TopicPartition(retained, 0)])[TopicPartition(retained, 0)]
    end = c.end_offsets([TopicPartition(retained, 0)])[TopicPartition(retained, 0)]
    c.close()
    res['retained'] = {'start': start, 'end': end, 'firstRead': records[0][0] if records else None, 'read': len(records),
                       'bytes': sum(len(v or '') for _, _, v in records)}
    out(res)


SCENARIOS = {f.__name__: f for f in (old_formats, kp_group, ck_group, codecs, by_time, headers_produce, headers_read, admin, rdkafka_admin, lag_monitor, cleaner)}

if __name__ == '__main__':
    SCENARIOS[sys.argv[1]](sys.argv[3])
