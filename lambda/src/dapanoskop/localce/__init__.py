"""A local Cost Explorer: answers Cost Explorer requests from a table of line items.

It sits behind a real boto3 `ce` client, so botocore still validates every request and parses
every answer; the tests, the offline demo and the benchmarks all use it.
"""
