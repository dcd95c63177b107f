"""The examples of clients/python/README.md run as written (against the test database)."""

from __future__ import annotations

import io
import os
import re
import unittest
from contextlib import redirect_stdout

import psycopg

from .support import CreditsTestCase, dsn, uid

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


class ReadmeTests(CreditsTestCase):
    def test_examples(self):
        with open(README, encoding="utf-8") as f:
            text = f.read()
        blocks = [re.sub(r"^  ", "", b, flags=re.M)
                  for b in re.findall(r"```python\n(.*?)```", text, re.S)]
        self.assertEqual(len(blocks), 2)
        with psycopg.connect(dsn(), autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS orders (id text)")
        tenant = uid("tenant")
        namespace: dict = {}
        self.addCleanup(lambda: namespace["client"].close() if "client" in namespace else None)
        out = io.StringIO()
        with redirect_stdout(out):
            for block in blocks:
                code = block.replace('"dbname=app"', repr(dsn())).replace('"acme"', repr(tenant))
                exec(compile(code, README, "exec"), namespace)
        lines = out.getvalue().splitlines()
        self.assertTrue(lines[0].startswith("txn_") and lines[0].endswith(" 5.80"), lines)
        self.assertIn("available is 5.80", lines[1])
        self.assertEqual(namespace["page"].pagination.total, 2)  # the credit, the confirm
        self.assertEqual(namespace["client"].get_balance("user_456").balance.to_eng_string(),
                         "505.80")
        with psycopg.connect(dsn()) as conn:
            self.assertEqual(conn.execute("SELECT count(*) FROM orders WHERE id = 'order_43'")
                             .fetchone()[0], 1)


if __name__ == "__main__":
    unittest.main()
