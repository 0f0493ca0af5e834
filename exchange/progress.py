"""A progress bar for long commands, shown only on a terminal (logs and pipes stay clean)."""

import sys
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def terminal_progress(description: str):
    """Yields `progress(step, done)`; draws a bar per step on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield lambda step, done: None
        return
    bars: dict[str, tqdm] = {}

    def progress(step: str, done: int):
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(desc=f"{description} {step}", unit=" rows", leave=False)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()
