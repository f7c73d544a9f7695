"""Files in S3-compatible object storage through boto3: AWS S3, or MinIO in production.

An upload is an S3 multipart upload: parts are sent as they fill, and the object exists only
once the upload is completed; aborting it discards every part. Memory holds one part at most.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from app.storage.base import CHUNK_BYTES, StoredFileMissing, check_key

# S3's smallest part (but the last): larger parts mean fewer requests but more memory, held
# twice while a part is sent (its chunks, and the part joined from them).
PART_BYTES = 5 * 1024 * 1024


class S3Pending:
    def __init__(self, client, bucket: str, key: str):
        self.key = key
        self._client, self._bucket = client, bucket
        self._upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._parts: list[dict] = []

    def write(self, chunk: bytes) -> None:
        self._buffer.append(bytes(chunk))
        self._buffered += len(chunk)
        if self._buffered >= PART_BYTES:
            self._send_part()

    def _send_part(self) -> None:
        number = len(self._parts) + 1
        body = b"".join(self._buffer)
        self._buffer.clear()
        self._buffered = 0
        answer = self._client.upload_part(Bucket=self._bucket, Key=self.key,
                                          UploadId=self._upload_id, PartNumber=number, Body=body)
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def commit(self) -> None:
        try:
            if self._buffer or not self._parts:
                self._send_part()
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=self.key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts})
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self._buffer.clear()
        try:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self.key,
                                                UploadId=self._upload_id)
        except ClientError as error:
            # Already completed or aborted: nothing is left pending.
            if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise


class S3Storage:
    def __init__(self, client, bucket: str):
        self.client, self.bucket = client, bucket

    @classmethod
    def from_config(cls, config) -> S3Storage:
        client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region_name=config.get("S3_REGION") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            # Path-style addressing: what MinIO and most S3-compatible servers expect.
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )
        return cls(client, config["S3_BUCKET"])

    def start(self, key: str) -> S3Pending:
        return S3Pending(self.client, self.bucket, check_key(key))

    def read(self, key: str) -> Iterator[bytes]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise StoredFileMissing(key) from error
            raise
        return answer["Body"].iter_chunks(CHUNK_BYTES)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def keys(self) -> list[str]:
        listed = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            listed += [row["Key"] for row in page.get("Contents", [])]
        for page in self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket):
            listed += [f"pending:{row['Key']}" for row in page.get("Uploads", [])]
        return sorted(listed)
