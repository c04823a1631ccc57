#!/usr/bin/env python3
"""A migvisor client in Python, generated from proto/ with grpc_tools.protoc.

It finds the cluster through any node (Cluster.ListNodes), starts a program on
one node (MigTask.Initialize), watches its console (NodeControl.Watch), moves it
live to a compatible node (MigTask.StopAndTransfer, pre-copy), watches it go on
there, and parks it in the middleware's archive (Middleware.Park). It prints one
JSON summary line.

    python3 -m grpc_tools.protoc -I proto --python_out=gen --grpc_python_out=gen proto/migvisor/v1/*.proto
    PYTHONPATH=gen python3 examples/python/client.py --node 127.0.0.1:PORT --program config/programs/counter.s
"""
import argparse
import json
import os
import sys

import grpc

from migvisor.v1 import cluster_pb2, cluster_pb2_grpc
from migvisor.v1 import middleware_pb2, middleware_pb2_grpc
from migvisor.v1 import migtask_pb2, migtask_pb2_grpc
from migvisor.v1 import node_pb2, node_pb2_grpc
from migvisor.v1 import types_pb2

TIMEOUT = 30  # seconds, for every unary call


def console_numbers(channel, task_id, count, after_seq=None):
    """The numbers of the next `count` console lines `counter N` of a task, and the last event's seq."""
    stub = node_pb2_grpc.NodeControlStub(channel)
    request = node_pb2.WatchRequest(kinds=[node_pb2.EVENT_KIND_CONSOLE], task_id=task_id)
    if after_seq is not None:
        request.after_seq = after_seq
    numbers, seq = [], 0
    stream = stub.Watch(request, timeout=TIMEOUT)
    try:
        for reply in stream:
            event = reply.event
            seq = event.seq
            text = event.console.text
            if text.startswith("counter "):
                numbers.append(int(text.split()[1]))
            if len(numbers) >= count:
                break
    finally:
        stream.cancel()
    return numbers, seq


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", required=True, help="host:port of any node of the cluster")
    parser.add_argument("--program", required=True, help="assembly source to start")
    parser.add_argument("--partition", default="ctrl")
    args = parser.parse_args()

    with grpc.insecure_channel(args.node) as channel:
        members = cluster_pb2_grpc.ClusterStub(channel).ListNodes(cluster_pb2.ListNodesRequest(), timeout=TIMEOUT)
    serving = [m for m in members.nodes if m.state == cluster_pb2.MEMBER_STATE_SERVING and args.partition in m.partitions]
    # Two nodes that can exchange the task: same word size and byte order.
    pairs = [(a, b) for a in serving for b in serving if a.name != b.name and (a.word_size, a.endian) == (b.word_size, b.endian)]
    if not pairs:
        sys.exit("no two compatible nodes serve partition %s" % args.partition)
    source, sink = pairs[0]

    with open(args.program, encoding="utf-8") as f:
        source_text = f.read()
    with grpc.insecure_channel(source.address) as a, grpc.insecure_channel(sink.address) as b:
        started = migtask_pb2_grpc.MigTaskStub(a).Initialize(
            migtask_pb2.InitializeRequest(
                partition=args.partition,
                program_name=os.path.basename(args.program),
                program_source=source_text,
                travelers=1,
                priority=0,  # zero is a value like any other: `optional` fields say when one is set
            ),
            timeout=TIMEOUT,
        )
        task_id = started.task.task_id
        before, _ = console_numbers(a, task_id, 3)

        stats = None
        for reply in migtask_pb2_grpc.MigTaskStub(a).StopAndTransfer(
            migtask_pb2.StopAndTransferRequest(task_id=task_id, sink=sink.address, sink_name=sink.name, mode=types_pb2.MIGRATION_MODE_PRECOPY),
            timeout=TIMEOUT,
        ):
            if reply.HasField("stats"):
                stats = reply.stats
        after, _ = console_numbers(b, task_id, 3)

        where_before_park = members.middleware
        archive = middleware_pb2_grpc.MiddlewareStub(grpc.insecure_channel(members.middleware))
        snapshot = None
        for reply in archive.Park(middleware_pb2.ParkRequest(task_id=task_id, node=sink.address, labels=[middleware_pb2.Label(key="client", value="python")]), timeout=TIMEOUT):
            if reply.HasField("snapshot"):
                snapshot = reply.snapshot
        where = archive.Where(middleware_pb2.WhereRequest(task_id=task_id), timeout=TIMEOUT)

    print(
        json.dumps(
            {
                "task": task_id,
                "source": source.name,
                "sink": sink.name,
                "before": before,
                "after": after,
                "mode": types_pb2.MigrationMode.Name(stats.mode),
                "status": types_pb2.MigrationStatus.Name(stats.status),
                "downtime_ms": stats.downtime_ms,
                "snapshot": snapshot.id,
                "where": middleware_pb2.LocationState.Name(where.state),
                "middleware": where_before_park,
            }
        )
    )


if __name__ == "__main__":
    main()
