import logging
import unittest

import tool_support


class TestLoggerFallback(unittest.TestCase):
    def setUp(self):
        self.mod = tool_support.load("logger")
        self.Logger = tool_support.tool_class(self.mod)
        self.root_level = logging.getLogger().level

    def tearDown(self):
        logging.getLogger().setLevel(self.root_level)

    def test_set_level_uses_root_logger(self):
        logging.getLogger().setLevel(logging.WARNING)
        self.assertEqual(self.Logger.set_level("debug"), logging.WARNING)
        self.assertEqual(logging.getLogger().level, logging.DEBUG)
        self.assertEqual(self.Logger.get_level(), logging.DEBUG)
        self.assertEqual(self.Logger.set_level(30), logging.DEBUG)
        self.assertEqual(self.Logger.set_level("WARN"), logging.WARNING)
        self.assertEqual(self.Logger.set_level("15"), logging.WARNING)
        self.assertEqual(self.Logger.get_level(), 15)
        for bad in ("LOUD", None, True, 1.5):
            with self.assertRaises(ValueError):
                self.Logger.set_level(bad)

    def test_log(self):
        with self.assertLogs("rmote", level="DEBUG") as cm:
            self.Logger.log("INFO", "hello %s")  # no %-formatting of the message
        self.assertEqual(cm.records[0].getMessage(), "hello %s")
        with self.assertLogs("app.sub", level="ERROR"):
            self.Logger.log(logging.ERROR, "x", logger="app.sub")

    def test_log_formats_args_like_rmote(self):
        with self.assertLogs("rmote", level="DEBUG") as cm:
            self.Logger.log("WARNING", "disk %s at %d%%", "/var", 91)
        self.assertEqual(cm.records[0].getMessage(), "disk /var at 91%")
        with self.assertLogs("app.sub", level="INFO") as cm:
            self.Logger.log_to("INFO", "%s=%r", "app.sub", ["port", 22])
        self.assertEqual(cm.records[0].getMessage(), "port=22")
        with self.assertRaisesRegex(TypeError, "does not fit its 1 argument"):
            self.Logger.log("INFO", "%s and %s", "one")


class TestLoggerWithRuntimeHooks(unittest.TestCase):
    def test_uses_injected_functions(self):
        state = {"level": logging.INFO, "calls": []}

        def set_log_level(level):
            state["calls"].append(level)
            previous, state["level"] = state["level"], level
            return previous

        mod = tool_support.load("logger", set_log_level=set_log_level, get_log_level=lambda: state["level"])
        Logger = tool_support.tool_class(mod)
        root = logging.getLogger().level
        self.assertEqual(Logger.set_level("ERROR"), logging.INFO)
        self.assertEqual(state["calls"], [logging.ERROR])
        self.assertEqual(Logger.get_level(), logging.ERROR)
        self.assertEqual(logging.getLogger().level, root)  # runtime owns the level

    def test_setter_returning_none(self):
        seen = []
        mod = tool_support.load("logger", set_log_level=seen.append)
        Logger = tool_support.tool_class(mod)
        prev = logging.getLogger().level
        self.assertEqual(Logger.set_level("DEBUG"), prev)
        self.assertEqual(seen, [logging.DEBUG])


if __name__ == "__main__":
    unittest.main()
