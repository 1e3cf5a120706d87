#!/usr/bin/env python3
"""Event simulation of ChunkedEncoder's queue limit: how busy do the workers stay?

W workers; chunks of C frames are fed in order by a source faster than the encoders; frames sent
to a worker and not yet taken are limited to B. A frame costs 1, a chunk's first (key) frame
`key`. Prints the efficiency (ideal wall time / simulated wall time) for a few limits, for a
video of W chunks (the start-up dominates), 3W and 20W chunks. The README quotes its output.

Usage: python3 crates/av1/tools/queue_sim.py
"""


def simulate(workers, chunk, limit, frames, key=4.0):
    sizes = [min(chunk, frames - s) for s in range(0, frames, chunk)]
    fed = [0] * len(sizes)
    taken = [0] * len(sizes)
    finished = [None] * len(sizes)
    busy_until = {}
    started = []
    state = {"next": 0, "queued": 0}

    def feed():
        while True:
            cur = started[-1] if started else None
            if cur is not None and fed[cur] < sizes[cur]:
                if state["queued"] >= limit:
                    return
                fed[cur] += 1
                state["queued"] += 1
                continue
            running = sum(1 for c in started if finished[c] is None)
            if state["next"] < len(sizes) and running < workers:
                started.append(state["next"])
                state["next"] += 1
                continue
            return

    def take(c, now):
        if c not in busy_until and taken[c] < fed[c]:
            taken[c] += 1
            state["queued"] -= 1
            busy_until[c] = now + (key if taken[c] == 1 else 1.0)

    t = 0.0
    feed()
    for c in started:
        take(c, t)
    while any(f is None for f in finished):
        c = min(busy_until, key=busy_until.get)
        t = busy_until.pop(c)
        if taken[c] == sizes[c]:
            finished[c] = t
        feed()
        for cc in started:
            if finished[cc] is None:
                take(cc, t)
    ideal = (frames + len(sizes) * (key - 1)) / workers
    return ideal / t


def main():
    chunk = 240
    for workers in (2, 3, 4, 8):
        limits = [("chunk/2", chunk // 2), ("workers*chunk/2", workers * chunk // 2),
                  ("workers*chunk", workers * chunk)]
        for rounds in (1, 3, 20):
            n = chunk * workers * rounds
            cells = [f"{name} {b}: {simulate(workers, chunk, b, n):.2f}" for name, b in limits]
            print(f"workers {workers}, {n // chunk} chunks of {chunk}: " + ", ".join(cells))


if __name__ == "__main__":
    main()
