"""Mitogen side of the protocol benchmark (run with Debian's /usr/bin/python3 and python3-mitogen).

Prints one JSON object with the medians; the C# benchmark runs this next to its own measurements.
Usage: mitogen_bench.py ROUNDS [ssh_port identity known_hosts]
"""
import json
import os
import statistics
import sys
import time

import mitogen.master


def echo(value):
    return value


def median_of(rounds, fn):
    return statistics.median(fn() for _ in range(rounds))


def main():
    rounds = int(sys.argv[1])
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    try:
        ctx = router.local(python_path="/usr/bin/python3")
        ctx.call(echo, 0)

        def sequential():
            n = 2000
            start = time.perf_counter()
            for i in range(n):
                ctx.call(echo, i)
            return n / (time.perf_counter() - start)

        def pipelined():
            batches, in_flight = 10, 1000
            start = time.perf_counter()
            for _ in range(batches):
                receivers = [ctx.call_async(echo, i) for i in range(in_flight)]
                for r in receivers:
                    r.get().unpickle()
            return batches * in_flight / (time.perf_counter() - start)

        data = os.urandom(16 << 20)

        def bytes_echo():
            start = time.perf_counter()
            back = ctx.call(echo, data)
            elapsed = time.perf_counter() - start
            assert len(back) == len(data)
            return 16 / elapsed

        result = {
            "sequential": median_of(rounds, sequential),
            "pipelined": median_of(rounds, pipelined),
            "bytes_mib_s": median_of(rounds, bytes_echo),
        }
        if len(sys.argv) > 2:
            port, identity, known_hosts = int(sys.argv[2]), sys.argv[3], sys.argv[4]

            def ssh_connect():
                start = time.perf_counter()
                remote = router.ssh(hostname="127.0.0.1", port=port, username="root", identity_file=identity,
                                    check_host_keys="enforce", python_path="python3",
                                    ssh_args=["-o", "UserKnownHostsFile=" + known_hosts, "-o", "IdentitiesOnly=yes"])
                remote.call(echo, 1)
                elapsed = time.perf_counter() - start
                remote.shutdown(wait=True)
                return elapsed * 1000

            result["ssh_connect_ms"] = median_of(rounds, ssh_connect)
        print(json.dumps(result))
    finally:
        broker.shutdown()
        broker.join()


if __name__ == "__main__":
    main()
