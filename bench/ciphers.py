"""Cost of the field ciphers and lookup hashes: Fernet against SM4-GCM, HMAC-SHA256 against
HMAC-SM3, through ``bangfu.core.crypto`` as the fields call it.

    .venv/bin/python bench/ciphers.py [--count 10000] [--repeat 5]

Encrypts, decrypts and hashes ``--count`` ID numbers (18 characters, as the registry stores
them) with each choice; prints the median CPU seconds of ``--repeat`` runs, per ``--count``
operations. CPU time, not wall time: the figure holds on a machine shared with other work.
"""

import argparse
import base64
import os
import statistics
import time
from collections.abc import Callable

from cryptography.fernet import Fernet
from django.conf import settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings.configure(
        FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()],
        SM4_KEYS=[f"bench:{base64.b64encode(os.urandom(16)).decode()}"],
        LOOKUP_HASH_KEY=base64.b64encode(os.urandom(32)).decode(),
    )
    from bangfu.core import crypto

    values = [f"530428{19500101 + index:08d}{index % 10:04d}" for index in range(args.count)]
    print(f"CPU seconds per {args.count:,} operations, median of {args.repeat} runs")
    for cipher in crypto.CIPHERS:
        settings.FIELD_CIPHER = cipher
        tokens = [crypto.encrypt(value) for value in values]
        encrypt = _cpu(lambda: [crypto.encrypt(value) for value in values], args.repeat)
        decrypt = _cpu(lambda: [crypto.decrypt(token) for token in tokens], args.repeat)  # noqa: B023
        print(
            f"{cipher:12} encrypt {encrypt:.3f}  decrypt {decrypt:.3f}  "
            f"token {len(tokens[0])} characters"
        )
    for algorithm in crypto.HASH_ALGORITHMS:
        settings.LOOKUP_HASH_ALGORITHM = algorithm
        digest = _cpu(lambda: [crypto.lookup_hash(value) for value in values], args.repeat)
        print(f"{algorithm:12} lookup hash {digest:.3f}")


def _cpu(work: Callable[[], object], repeat: int) -> float:
    work()  # warm-up: key schedules and caches
    times = []
    for _run in range(repeat):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
