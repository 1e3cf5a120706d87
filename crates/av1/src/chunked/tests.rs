//! Worker deaths, injected: a worker thread armed with [`arm`] panics when it takes the
//! chosen frame. The setting is per thread and set only by the encoder that starts the
//! worker, so tests running in parallel do not see each other's faults.

use std::cell::Cell;
use std::sync::mpsc::RecvTimeoutError;

use super::*;

thread_local! {
    /// The frames this worker takes before it panics; None: it never does.
    static FAULT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Arms (or, with None, disarms) the fault of the current worker thread.
pub(super) fn arm(frame: Option<usize>) {
    FAULT.set(frame);
}

/// Counts a frame taken by the current worker; panics on the armed one.
pub(super) fn take_frame() {
    match FAULT.get() {
        Some(0) => panic!("injected fault: the worker dies taking a frame"),
        Some(n) => FAULT.set(Some(n - 1)),
        None => {}
    }
}

const CHUNK: usize = 4;
const SIDE: u32 = 64;

/// An encoder of 64x64 frames in chunks of 4 whose worker of chunk `chunk` panics when it
/// takes the chunk's frame `frame`.
fn faulty(workers: usize, chunk: usize, frame: usize) -> ChunkedEncoder {
    let options = Av1Options::default().with_speed(10).with_threads(1);
    let fps = Rational::integer(25).unwrap();
    let color = ColorSpec::default();
    let mut enc =
        ChunkedEncoder::new(SIDE, SIDE, fps, color, &options, workers, CHUNK as u32).unwrap();
    enc.fault = Some((chunk, frame));
    enc
}

/// Frame `t`: a gradient that moves with `t`.
fn frame(t: usize) -> YuvImage {
    let mut img = YuvImage::new(SIDE, SIDE, Subsampling::Yuv420).unwrap();
    let [(y, stride), ..] = img.planes_mut();
    for (i, row) in y.chunks_mut(stride).enumerate() {
        for (j, p) in row.iter_mut().enumerate() {
            *p = (i + 2 * j + 8 * t) as u8;
        }
    }
    img
}

/// What a caller that goes on after errors sees.
#[derive(Debug)]
struct Seen {
    /// The result of each `send_frame`, then of `flush`, a second `flush` and one more
    /// `send_frame`.
    results: Vec<Result<()>>,
    /// Every packet received, in order.
    packets: Vec<Packet>,
}

/// Sends `frames` frames (pts 0, 1, ...) whatever the results, receiving the packets after
/// each call, then flushes twice and sends once more. The encoder runs on a helper thread,
/// so a hang fails the test after 30 s instead of hanging the run.
fn drive(enc: ChunkedEncoder, frames: usize) -> Seen {
    drive_pausing(enc, frames, |_, _| {})
}

/// [`drive`], calling `pause` with the encoder and the call's index after each call.
fn drive_pausing(
    mut enc: ChunkedEncoder,
    frames: usize,
    pause: fn(&ChunkedEncoder, usize),
) -> Seen {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Seen {
            results: Vec::new(),
            packets: Vec::new(),
        };
        for t in 0..=frames + 2 {
            let result = match t {
                t if t < frames => enc.send_frame(&frame(t), t as i64),
                t if t < frames + 2 => enc.flush(),
                t => enc.send_frame(&frame(t), t as i64),
            };
            seen.results.push(result);
            while let Some(p) = enc.receive_packet().unwrap() {
                seen.packets.push(p);
            }
            pause(&enc, t);
        }
        let _ = tx.send(seen);
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(seen) => seen,
        Err(RecvTimeoutError::Timeout) => panic!("the encoder hung"),
        Err(RecvTimeoutError::Disconnected) => panic!("the caller's thread panicked"),
    }
}

/// Checks what every worker death must give: an error naming the chunk, the same error
/// from every call after it (sticky), and packets of whole chunks before the failed one
/// only (a stream with no hole). Returns the index of the first failed call.
fn check(seen: &Seen, failed_chunk: usize) -> usize {
    let expected = Error::Worker {
        reason: format!(
            "the worker of chunk {failed_chunk} panicked: injected fault: the worker dies taking a frame"
        ),
    };
    let results = &seen.results;
    let first = results.iter().position(Result::is_err);
    let first = first.unwrap_or_else(|| panic!("no call failed: {results:?}"));
    for (i, r) in results.iter().enumerate().skip(first) {
        assert_eq!(r.as_ref().err(), Some(&expected), "call {i}: {results:?}");
    }
    let pts: Vec<i64> = seen.packets.iter().map(|p| p.pts).collect();
    let whole_chunks = (0..pts.len() as i64).collect::<Vec<_>>() == pts
        && pts.len().is_multiple_of(CHUNK)
        && pts.len() <= failed_chunk * CHUNK;
    assert!(
        whole_chunks,
        "packets {pts:?}: only whole chunks before chunk {failed_chunk}"
    );
    first
}

/// The hook and the driver themselves: a fault past the chunk's end never fires.
#[test]
fn an_unreached_fault_changes_nothing() {
    let frames = 2 * CHUNK + 1;
    let seen = drive(faulty(2, 1, CHUNK), frames);
    assert!(seen.results[..frames + 2].iter().all(Result::is_ok));
    assert_eq!(
        seen.results[frames + 2],
        Err(Error::SendAfterFlush {
            pts: frames as i64 + 2
        })
    );
    let pts: Vec<i64> = seen.packets.iter().map(|p| p.pts).collect();
    assert_eq!(pts, (0..frames as i64).collect::<Vec<_>>());
}

/// A later chunk's worker dies mid-chunk while the producer keeps sending: a
/// `send_frame` reports it, no earlier than the frame it died on (9) and no later than
/// the start of chunk 4 (16), which with 2 workers waits for chunk 2.
#[test]
fn a_later_worker_panicking_mid_chunk_fails_a_send_frame() {
    let seen = drive(faulty(2, 2, 1), 6 * CHUNK);
    let first = check(&seen, 2);
    assert!((9..=16).contains(&first), "first failure at call {first}");
}

/// A frame sent to a worker already dead is refused by its channel: `send_frame` reports
/// the worker's panic, not only that it stopped taking frames.
#[test]
fn a_frame_sent_to_a_dead_worker_reports_its_panic() {
    // After frame 0, wait until chunk 0's worker (dead on that frame) has exited, so frame 1
    // meets a closed channel: queue room is left (limit 4) and the chunk is not full. Sending
    // frame 0 itself notices the death if the worker dies before the send returns: rare,
    // so a few tries reach the closed channel.
    let reached = (0..5).any(|_| {
        let seen = drive_pausing(faulty(2, 0, 0), 3 * CHUNK, |enc, t| {
            let alive = |enc: &ChunkedEncoder| {
                let front = enc.chunks.front();
                matches!(front, Some((0, Chunk::Running(job))) if !job.is_finished())
            };
            while t == 0 && alive(enc) {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        check(&seen, 0) == 1
    });
    assert!(reached, "frame 1 never met the closed channel");
}

/// Chunks after the failed one, encoded beside it, are never handed out, and every call
/// after the failure (sends, flushes, a send after flush) returns it.
#[test]
fn no_chunk_after_a_failed_one_is_handed_out() {
    // Chunk 0 dies on its last frame while chunks 1 and 2 run beside it; chunk 1 dies
    // on its last frame while chunk 0 is handed out and chunks 2 and 3 run.
    check(&drive(faulty(3, 0, CHUNK - 1), 5 * CHUNK), 0);
    check(&drive(faulty(3, 1, CHUNK - 1), 5 * CHUNK), 1);
}

/// The producer waits for queue room when the worker dies holding the queue:
/// `send_frame` returns the failure instead of waiting for good.
#[test]
fn a_producer_waiting_for_queue_room_sees_the_worker_die() {
    // One worker, one queued frame: chunk 1's worker dies holding frame 6, so sending
    // frame 7 waits for room that never comes (unless sending frame 6 saw the death).
    let seen = drive(faulty(1, 1, 2).with_queue_limit(1), 4 * CHUNK);
    let first = check(&seen, 1);
    assert!((6..=7).contains(&first), "first failure at call {first}");
    // Two workers, two queued frames: chunk 0's worker dies holding frame 1 and maybe
    // more; starting chunk 2 (frame 8) waits for chunk 0 at the latest.
    let seen = drive(faulty(2, 0, 1).with_queue_limit(2), 4 * CHUNK);
    let first = check(&seen, 0);
    assert!((1..=8).contains(&first), "first failure at call {first}");
}

/// Chunk 0's worker dies on its very first frame: in a clip shorter than a chunk (found
/// by `flush` at the latest) or longer, with one worker or two, nothing is handed out.
#[test]
fn a_worker_dying_on_the_first_frame_of_chunk_0() {
    for (workers, frames) in [(1, 2), (1, 3 * CHUNK), (2, 3 * CHUNK)] {
        let seen = drive(faulty(workers, 0, 0), frames);
        let first = check(&seen, 0);
        // Starting chunk `workers` waits for chunk 0.
        let latest = frames.min(workers * CHUNK);
        assert!(
            first <= latest,
            "{workers} workers: failure at call {first}"
        );
    }
}
