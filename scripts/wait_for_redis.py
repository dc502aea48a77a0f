"""Wait up to 15 seconds for REDIS_URL to answer (make run starts redis-server beside us)."""

import os
import sys
import time

from redis import Redis
from redis.exceptions import RedisError

deadline = time.monotonic() + 15
redis = Redis.from_url(os.environ["REDIS_URL"])
while True:
    try:
        redis.ping()
        break
    except RedisError as error:
        if time.monotonic() > deadline:
            sys.exit(f"Redis at REDIS_URL did not answer: {error}")
        time.sleep(0.2)
