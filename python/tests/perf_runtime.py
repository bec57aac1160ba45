"""Quick runtime throughput check (not a unit test): python3 tests/perf_runtime.py [python]

Prints sequential calls/s, pipelined calls/s with 1,000 in flight, and the
16 MiB bytes echo rate, measured with a lean Python client (which may itself be
the bottleneck: the C# controller is faster).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402
from support import rt  # noqa: E402

SOURCE = '''
class Bench(Tool):
    @staticmethod
    def echo(x):
        return x

    async def aecho(self, x):
        return x
'''


def cpu(pid):
    """(CPU seconds, context switches) of the runtime process so far (Linux /proc)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        switches = 0
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if "ctxt_switches" in line:
                        switches += int(line.split()[1])
        return (int(fields[11]) + int(fields[12])) / ticks, switches
    except OSError:
        return 0.0, 0


def measured(c, label, fn, *args):
    """Run fn, print its rate plus the runtime's CPU time and context switches per call."""
    before = cpu(c.proc.pid)
    rate, n = fn(c, *args)
    after = cpu(c.proc.pid)
    print("%-17s: %8.0f calls/s   remote %5.1f us CPU/call, %4.2f ctx switches/call"
          % (label, rate, (after[0] - before[0]) / n * 1e6, (after[1] - before[1]) / n))


def sequential(c, key, method, seconds=2.0):
    n, end = 0, time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        for _ in range(200):
            c.call(key, method, n)
            n += 1
    return n / (time.perf_counter() - t0), n


def pipelined(c, key, method, total=100000, window=1000):
    body = ('{"tool":"%s","method":"%s","args":[1],"kwargs":{}}' % (key, method)).encode()
    frames = [rt.pack(rt.CALL, i, body) for i in range(1, total + 1)]
    fd_in, fd_out = c.inp.fileno(), c.out.fileno()
    dec = rt.FrameDecoder()
    sent = done = 0
    t0 = time.perf_counter()
    while done < total:
        if sent - done < window // 2 or sent == 0:
            k = min(window - (sent - done), total - sent)
            if k:
                os.write(fd_in, b"".join(frames[sent:sent + k]))
                sent += k
        for typ, cid, jb, bb in dec.feed(os.read(fd_out, 1 << 20)):
            if typ == rt.RESULT:
                done += 1
            elif typ == rt.ERROR:
                raise AssertionError(jb)
    return total / (time.perf_counter() - t0), total


def echo_rate(c, key, size=16 << 20, rounds=5, pattern=None):
    data = os.urandom(size) if pattern is None else pattern * (size // len(pattern))
    best = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = c.call(key, "echo", data)
        dt = time.perf_counter() - t0
        assert out == data
        best = max(best, size / dt / (1 << 20))
    return best


def main():
    python = sys.argv[1] if len(sys.argv) > 1 else sys.executable
    c = support.Client(python=python)
    key = c.sync("Bench", SOURCE)
    c.call(key, "echo", 0)
    print("runtime: %d bytes, %d compressed" % (os.path.getsize(support.RUNTIME_PATH),
                                              len(support.payload()) - 16))
    measured(c, "sequential sync", sequential, key, "echo")
    measured(c, "sequential async", sequential, key, "aecho")
    for _ in range(2):
        measured(c, "pipelined-1000 sync", pipelined, key, "echo")
    measured(c, "pipelined-1000 async", pipelined, key, "aecho")
    print("16 MiB echo     : %8.0f MiB/s (random)" % echo_rate(c, key))
    print("16 MiB echo     : %8.0f MiB/s (compressible)" % echo_rate(c, key, pattern=b"rmote! "))
    print("exit:", c.close()[0])


if __name__ == "__main__":
    main()
