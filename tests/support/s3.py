"""An S3-compatible server for the tests: moto's server mode, in a process of its own that the
test starts and stops, spoken to over HTTP by the same boto3 code production uses."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

from tests.support.mail import free_port

CREDENTIALS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret",
               "S3_REGION": "eu-west-2"}


class S3Server:
    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=CREDENTIALS["S3_REGION"],
            aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
            config=Config(s3={"addressing_style": "path"}))

    def start(self) -> S3Server:
        binary = Path(sys.executable).with_name("moto_server")
        self.process = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.client().list_buckets()
                return self
            except Exception:  # not listening yet
                if self.process.poll() is not None:
                    raise RuntimeError("moto_server exited") from None
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def config(self, bucket: str) -> dict:
        self.client().create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["S3_REGION"]})
        return {"FILE_STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": self.endpoint,
                **CREDENTIALS}
