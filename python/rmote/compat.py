"""rmote compatibility: lets a tool file written for rmote run unchanged (docs/PROTOCOL.md section 4).

Not part of the runtime: the controller syncs this module (as ``rmote_compat``) in front of the first tool whose
source imports ``rmote.protocol`` (or anything from ``rmote``). Running it registers the package ``rmote`` and its
module ``rmote.protocol`` in sys.modules, holding what rmote's own tools import from there (``Tool``, ``process``,
``Template``, ``render_template``; newer rmote's ``inline`` and ``runs_on_loop``), and puts ``process``,
``Template`` and ``render_template`` into the namespace of every tool synced after it, as rmote does. Other
``rmote.*`` modules (``rmote.tools``, rmote's ``Protocol``) are the controller's side in rmote: importing them
works (rmote removes such lines before it sends a tool), and using one on the host raises an error that says so.
Stdlib only, Python 3.8+.
"""
import sys

_ModuleType = type(sys)


def process(*cmd_and_args, stdin=None, capture_output=False, text=False, env=None, shell=False, check=False,
            cwd=None):
    """rmote's subprocess helper: run cmd_and_args (no output shared with the protocol pipes) and return a
    subprocess.CompletedProcess, like subprocess.run with these arguments. Without capture_output the child's
    output is discarded; a str stdin is encoded unless text; check raises CalledProcessError on a non-zero exit.
    Unlike rmote's, a cancelled call kills the child instead of waiting for it."""
    import logging
    import subprocess
    logging.getLogger("rmote.protocol").debug("Executing subprocess: %r", cmd_and_args)
    if stdin is not None:
        if text and isinstance(stdin, bytes):
            raise TypeError("stdin must be str when text=True")
        if isinstance(stdin, str) and not text:
            stdin = stdin.encode()
    out = subprocess.PIPE if capture_output else subprocess.DEVNULL
    with subprocess.Popen(cmd_and_args, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                          stdout=out, stderr=out, text=text, env=env, shell=shell, cwd=cwd) as child:
        while True:
            try:
                stdout, stderr = child.communicate(stdin, timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                if Tool.cancelled():  # the result is discarded anyway: do not leave the child running
                    child.kill()
                    child.wait()
                    raise
    result = subprocess.CompletedProcess(cmd_and_args, child.returncode, stdout, stderr)
    if check:
        result.check_returncode()
    return result


def _engine():
    """The port's template engine: Template.render(source, variables) of the Template tool, which the controller
    syncs in front of a tool that uses Template or render_template."""
    for name, module in list(sys.modules.items()):
        if name.startswith("rmote_tool_Template_"):
            return module.Template.render
    raise RuntimeError("the Template tool was not synced on this connection: a tool using rmote's Template or "
                       "render_template gets it from PythonTool.FromFile / FromSource automatically")


class Template:
    """rmote's Template(source).render(**ctx), rendered by the port's template engine (same syntax and output)."""

    def __init__(self, template):
        self._template = template

    @staticmethod
    def compile(template):
        """A render function: compile(source)(**ctx) -> text."""
        return Template(template).render

    def render(self, **ctx):
        return _engine()(self._template, ctx)

    def __repr__(self):
        return "Template(%r)" % (self._template[:40].replace("\n", "\\n"),)


def render_template(template, **ctx):
    """Render a template source in one step (rmote's render_template)."""
    return Template(template).render(**ctx)


def inline(method):
    """rmote's marker for a quick sync method it runs on its event loop. Here it only marks the method (which runs
    on a worker thread like any sync method: the same result, one thread hop slower)."""
    function = getattr(method, "__func__", method)
    if getattr(getattr(function, "__code__", None), "co_flags", 0) & 0x280:  # CO_COROUTINE | CO_ASYNC_GENERATOR
        raise TypeError("inline applies to synchronous methods; a coroutine already runs on the loop")
    function.__rmote_inline__ = True
    return method


def runs_on_loop(method):
    """True when the method is marked with inline."""
    return bool(getattr(method, "__rmote_inline__", False))


class _ControllerSide:
    """A name rmote defines on the controller side (Protocol, its tool classes): importable, so a tool file that is
    also an rmote script loads unchanged, but unusable on the host."""

    def __init__(self, name):
        self._name = name

    def _refuse(self):
        raise RuntimeError("%s is rmote's controller side and does not exist on the host: call tools from C# "
                           "(Protocol, PythonTool.FromFile, the built-in tool classes)" % (self._name,))

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._refuse()

    def __call__(self, *args, **kwargs):
        self._refuse()


def _module(name, names):
    module = _ModuleType(name)
    module.__dict__.update(names)
    module.__path__ = []  # a package: `import rmote.tools.fs` looks below it

    def controller_side(attr):  # PEP 562: only names the module does not hold get here
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _ControllerSide("%s.%s" % (name, attr))
    module.__getattr__ = controller_side
    return module


class _RmoteFinder:
    """Finds rmote.* modules other than rmote.protocol: names there are rmote's controller side."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if not name.startswith("rmote."):
            return None
        import importlib.machinery
        return importlib.machinery.ModuleSpec(name, cls)

    @staticmethod
    def create_module(spec):
        return _module(spec.name, {})

    @staticmethod
    def exec_module(module):
        pass


def _register():
    names = {"Tool": Tool, "process": process, "Template": Template, "render_template": render_template}
    protocol = _module("rmote.protocol", dict(names, inline=inline, runs_on_loop=runs_on_loop))
    package = _module("rmote", {"protocol": protocol})
    sys.modules["rmote"] = package
    sys.modules["rmote.protocol"] = protocol
    if _RmoteFinder not in sys.meta_path:
        sys.meta_path.insert(0, _RmoteFinder)
    # rmote execs every tool with these names already defined; the runtime's tool namespace lives in its globals.
    request_exit.__globals__["TOOL_NAMESPACE"].update(names)


_register()
