import http.server
import threading
import unittest

import tool_support


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            threading.Event().wait(2)
        code = {"/ok": 200, "/missing": 404, "/moved": 302, "/slow": 200}.get(self.path, 500)
        self.send_response(code)
        if code == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(("path=%s" % self.path).encode())

    def log_message(self, *args):
        pass


class TestHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        cls.base = "http://127.0.0.1:%d" % cls.server.server_address[1]
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.Http = tool_support.tool_class(tool_support.load("http"))

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def test_ok(self):
        r = self.Http.get(self.base + "/ok")
        self.assertEqual((r.status, r.body), (200, "path=/ok"))
        self.assertEqual(r.headers["Content-Type"], "text/plain")

    def test_error_status_is_a_result(self):
        self.assertEqual(self.Http.get(self.base + "/missing").status, 404)

    def test_redirects(self):
        self.assertEqual(self.Http.get(self.base + "/moved").status, 200)
        self.assertEqual(self.Http.get(self.base + "/moved", follow_redirects=False).status, 302)

    def test_refused_is_oserror(self):
        with self.assertRaises(OSError):
            self.Http.get("http://127.0.0.1:1/")

    def test_timeout(self):
        with self.assertRaises(TimeoutError):
            self.Http.get(self.base + "/slow", timeout=0.3)

    def test_bad_url(self):
        with self.assertRaises(ValueError):
            self.Http.get("file:///etc/passwd")


if __name__ == "__main__":
    unittest.main()
