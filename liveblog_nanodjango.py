"""nanodjango, adapted for liveblog: a nanodjango plugin, registered through nanodjango's
entry point in pyproject.toml, so that `nanodjango convert liveblog.py ../site --name
conf_site` writes a Django project that runs. It holds no part of the live blog itself.

It works around these faults of nanodjango 0.17.1, each a small upstream fix:

- nanodjango/django_glue/apps.py: the app config it makes has no models module, so Django
  creates no permissions for the app's models after migrate;
- nanodjango/convert/reference.py, ReferenceVisitor: names bound by a comprehension, a for
  loop or a lambda, and a class's own names inside its methods, are taken for globals (a
  method named `authenticate` hid the imported function, and the project failed at run time);
- nanodjango/convert/converter.py, collect_imports: `import x as y` is recorded under `x`,
  and `__file__` cannot be resolved;
- converter.py, Resolver.gen_src: copied definitions come out in set order (a constant
  before the function it calls);
- converter.py, build_app_templatetags: the template tags it writes are not marked used,
  so they are written to unused.py as well, and their module imports from the app as if it
  sat beside it (`from .views`, not `from ..views`);
- converter.py, copy_assets: db.sqlite3 is copied without its write-ahead log, so the
  latest posts of a running server are lost.

And it fills what the converter does not know of liveblog.py's idioms: settings built from
the keywords given to `LiveblogDjango(...)` (MIDDLEWARE as a function of nanodjango's list,
DEBUG from the environment, the refusal of the development key), `@admin.register` classes,
signal receivers and system checks, middleware named in MIDDLEWARE, the response cache in front of
the project's wsgi.py, the demo loader and its seed, `app.api.<attribute> = ...`, and django-distill routes.
tests/test_convert.py runs the project it writes.
"""

import ast
import re
import shutil
import sqlite3
import sys
import types
from contextlib import closing
from functools import partial

from nanodjango import hookimpl

NANODJANGO_VERSION = "0.17.1"  # the converter these patches were written against
APP_NAME = "liveblog"
NANODJANGO_ONLY = {
    "LiveblogDjango",
    "debug_setting",
    "DEMO",
    "development_wsgi",
}  # what a Django project has no use for
NANODJANGO_SETTINGS = {None, "ADMIN_URL", "EXTRA_APPS", "SQLITE_DATABASE", "MIGRATIONS_DIR", "WSGI_APPLICATION"}
COMMANDS = {"import_schedule": "ImportScheduleCommand"}  # the command's name: its class in liveblog.py
LOAD_DEMO_COMMAND = """from django.core.management.base import BaseCommand

from {package}.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo conference; loading it again adds nothing."

    def handle(self, *args, **options):
        self.stdout.write(f"Loaded the demo conference: {{load_demo()}} new sessions.")
"""


def ours(converter):
    return converter.app.app_name == APP_NAME


# --- The app's faults -----------------------------------------------------------------------


@hookimpl
def django_post_setup(app):
    """nanodjango's app config has no models module (nanodjango/django_glue/apps.py), and Django
    skips creating permissions and content types for such an app after migrate: point it at the
    script, which holds the models."""
    if app.app_name == APP_NAME:
        from django.apps import apps

        apps.get_app_config(app.app_name).models_module = app.app_module
        register_commands(app)


def register_commands(app):
    """A single file has no management/commands/ folder for Django to find a command in:
    name the app's command classes to Django's command registry, as that folder would."""
    from django.core import management

    def command_class(command, attribute):  # looked up when Django asks: the app is still loading now
        if attribute != "Command":
            raise AttributeError(attribute)
        return getattr(app.app_module, command)

    for name, command in COMMANDS.items():
        module = types.ModuleType(f"{APP_NAME}.management.commands.{name}")
        module.__getattr__ = partial(command_class, command)
        sys.modules[module.__name__] = module
        management.get_commands()[name] = APP_NAME


# --- The converter's faults ----------------------------------------------------------------


def bind(visitor, target):
    visitor.current_scope.update(node.id for node in ast.walk(target) if isinstance(node, ast.Name))


def visit_comprehension(visitor, node):
    visitor.visit(node.iter)
    bind(visitor, node.target)
    for condition in node.ifs:
        visitor.visit(condition)


def visit_for(visitor, node):
    visitor.visit(node.iter)
    bind(visitor, node.target)
    for statement in node.body + node.orelse:
        visitor.visit(statement)


def visit_lambda(visitor, node):
    arguments = node.args
    for default in [*arguments.defaults, *arguments.kw_defaults]:
        if default is not None:
            visitor.visit(default)
    visitor.push_scope()
    named = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    visitor.current_scope.update(argument.arg for argument in named if argument is not None)
    visitor.visit(node.body)
    visitor.pop_scope()


def visit_class(visitor, node):
    """As Python does: a class's own names are not in scope inside its methods."""
    for expression in [*node.bases, *node.keywords, *node.decorator_list]:
        visitor.visit(expression)
    visitor.push_scope()
    for statement in node.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            visitor.visit(statement)
            continue
        class_scope, name = visitor.locals_stack.pop(), statement.name
        visitor.push_scope()
        statement.name = ""  # nor is a method's own name
        visitor.visit(statement)
        statement.name = name
        visitor.pop_scope()
        visitor.locals_stack.append(class_scope)
        class_scope.add(name)
    visitor.pop_scope()


def gen_src_in_file_order(resolver):
    """Resolver.gen_src, with the copied definitions in the order the file has them."""
    converter, copied = resolver.converter, {}
    wanted = resolver.global_refs.copy()
    while resolver.global_refs:
        name = resolver.global_refs.pop()
        copied[name], references = converter.collect_definition(name)
        resolver.add_references(references)
        resolver.global_refs -= resolver.local_refs
        resolver.local_refs.add(name)
        converter.imports[name] = f"from {resolver.module_name} import {name}"
    resolver.global_refs = wanted
    line = {}
    for node in converter.ast.body:
        for bound in node.targets if isinstance(node, ast.Assign) else [node]:
            line.setdefault(getattr(bound, "id", getattr(bound, "name", None)), node.lineno)
    return "\n".join([*resolver.imports, *(copied[name] for name in sorted(copied, key=lambda n: line.get(n, 0)))])


@hookimpl
def convert_init(converter):
    if not ours(converter):
        return
    # Patched for this conversion only: `nanodjango convert` is a process of its own.
    from nanodjango.convert.converter import Resolver
    from nanodjango.convert.reference import ReferenceVisitor

    ReferenceVisitor.visit_comprehension = visit_comprehension
    ReferenceVisitor.visit_For = visit_for
    ReferenceVisitor.visit_Lambda = visit_lambda
    ReferenceVisitor.visit_ClassDef = visit_class
    Resolver.gen_src = gen_src_in_file_order
    converter.used.update(NANODJANGO_ONLY)


@hookimpl
def convert_collect_imports(converter):
    if not ours(converter):
        return
    converter.imports["__file__"] = ""  # a module's own name, wherever it is copied to
    for node in converter.ast.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                single = (
                    ast.Import([alias]) if isinstance(node, ast.Import) else ast.ImportFrom(node.module, [alias], 0)
                )
                converter.imports[alias.asname or alias.name] = ast.unparse(single)


@hookimpl
def convert_copy_assets(converter):
    """A consistent copy of the database, the seed beside demo.py, the photos, the translations
    (LOCALE_PATHS: the project's locale/), and migrations that name liveblog.py's functions
    pointed at the models module."""
    if not ours(converter):
        return
    source = converter.app.app_path.parent
    if (converter.root_path / "db.sqlite3").exists():  # the converter's plain copy misses the WAL
        with (
            closing(sqlite3.connect(source / "db.sqlite3")) as database,
            closing(sqlite3.connect(converter.root_path / "db.sqlite3")) as copy,
        ):
            database.backup(copy)
    shutil.copytree(source / "seed", converter.app_path / "seed")
    shutil.copytree(source / "locale", converter.root_path / "locale")
    if (source / "media").is_dir():
        shutil.copytree(source / "media", converter.root_path / "media")
    models = f"{converter.project_name}.{APP_NAME}.models"
    for migration in (converter.app_path / "migrations").glob("*.py"):
        text = migration.read_text().replace(f"\nimport {APP_NAME}\n", f"\nimport {models}\n")
        migration.write_text(re.sub(rf"(?<![\w\"'.]){APP_NAME}\.(?=\w)", f"{models}.", text))


# --- liveblog.py's idioms -------------------------------------------------------------------


def app_call(converter):
    for node in converter.ast.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == converter.app.instance_name:
            return node.value


def middleware_path(converter, path):
    package, _, name = path.rpartition(".")
    return f"{converter.project_name}.{package}.middleware.{name}" if package == APP_NAME else path


@hookimpl
def convert_build_settings(converter, resolver, settings_ast):
    """The keywords given to LiveblogDjango(), with what they need, after Django's own;
    DEBUG from the environment (off unless asked) and the refusal of the development key."""
    if not ours(converter):
        return
    from django.conf import settings
    from nanodjango.convert.utils import collect_references

    stock = {
        node.targets[0].id: node
        for node in settings_ast.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    resolver.local_refs.add("BASE_DIR")  # startproject's: the project's folder
    keywords, ours_ = app_call(converter).keywords, []
    for keyword in keywords:
        if keyword.arg in NANODJANGO_SETTINGS:
            continue
        if keyword.arg == "MIDDLEWARE":  # a function of nanodjango's list: write out its answer
            value = [middleware_path(converter, path) for path in settings.MIDDLEWARE]
            keyword.value = ast.parse(repr(value)).body[0].value
        resolver.add_references(collect_references(keyword.value))
        if ast.unparse(keyword.value) != keyword.arg:  # MEDIA_ROOT=MEDIA_ROOT: its copied definition sets it
            ours_.append(ast.Assign([ast.Name(keyword.arg, ast.Store())], keyword.value, lineno=0))
    production = ast.parse('DEBUG = env_flag("DJANGO_DEBUG")\nrefuse_unsafe_production_settings(DEBUG, SECRET_KEY)')
    resolver.add_references({"env_flag", "refuse_unsafe_production_settings"})
    stock["INSTALLED_APPS"].value.elts.append(ast.Constant("django_distill"))

    replaced = {keyword.arg for keyword in keywords} | {"DEBUG"}
    settings_ast.body = [
        node for node in settings_ast.body if node not in [stock[name] for name in replaced if name in stock]
    ]
    definitions = [
        node for node in ast.parse(resolver.gen_src()).body if not isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    resolver.global_refs.clear()  # the converter adds only the imports now
    for name in [name for name, line in converter.imports.items() if f"{converter.project_name}.settings" in line]:
        del converter.imports[name]  # other modules keep their own copy, not an import of settings
    settings_ast.body += [*definitions, *ours_, *production.body]


@hookimpl
def convert_build_app_models(converter, resolver, extra_src):
    """Signal receivers and system checks (functions under `@receiver(...)`, `@checks.register(...)`)
    beside the models, which Django imports at start."""
    if not ours(converter):
        return
    for node in converter.ast.body:
        decorators = [ast.unparse(d) for d in getattr(node, "decorator_list", [])]
        if isinstance(node, ast.FunctionDef) and any(d.startswith(("receiver", "checks.register")) for d in decorators):
            source, references = converter.collect_definition(node.name)
            resolver.add_references(references)
            extra_src.append(source)


@hookimpl
def convert_build_app_api(converter, resolver, extra_src):
    """`app.api.parser = ...` and the like, said of the project's `api`."""
    if not ours(converter):
        return
    from nanodjango.convert.utils import collect_references

    prefix = f"{converter.app.instance_name}.api."
    for node in converter.ast.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]).startswith(prefix):
            resolver.add_references(collect_references(node.value))
            extra_src.append(ast.unparse(node).replace(prefix, "api.", 1))


@hookimpl
def convert_build_app_urls(converter, resolver, urls, extra_src):
    """The bake's pages as django-distill paths."""
    if not ours(converter):
        return
    offset = len(urls) - len(converter.app._routes)  # the converter puts the API's include first
    resolver.imports.add("from django_distill import distill_path")
    for index, (_view, config) in enumerate(converter.app._routes.values(), start=offset):
        if "distill_file" not in config:
            continue
        extra = f"distill_file={config['distill_file']!r}" if config["distill_file"] else ""
        if function := config["distill_func"]:
            extra = f"distill_func={function.__name__}"
            resolver.add_references({function.__name__})
        urls[index] = urls[index].replace("path(", "distill_path(", 1).removesuffix("),") + f", {extra}),"


@hookimpl
def convert_build_app_admin_done(converter):
    if not ours(converter):
        return
    from django.contrib import admin

    model_admins = [
        name
        for name, value in vars(converter.module).items()
        if isinstance(value, type)
        and issubclass(value, admin.ModelAdmin)
        and value.__module__ == converter.module.__name__
    ]
    write_module(converter, "admin", model_admins)


@hookimpl
def convert_build_app_templatetags(converter, resolver, extra_src):
    """The converter writes `@app.templatetag` functions to templatetags/ but forgets it did,
    and writes them again to unused.py."""
    if ours(converter):
        converter.used.update(func.__name__ for _, func, _ in converter.app.templatetag._registered)


@hookimpl
def convert_build_app_templatetags_done(converter):
    if not ours(converter):
        return
    tags = converter.app_path / "templatetags" / f"{APP_NAME}.py"  # imports from the app, one package up
    tags.write_text(re.sub(r"^from \.(?=\w)", "from ..", tags.read_text(), flags=re.M))
    from django.conf import settings

    middleware = [path.rpartition(".")[2] for path in settings.MIDDLEWARE if path.startswith(f"{APP_NAME}.")]
    write_module(converter, "middleware", middleware)
    write_module(converter, "responses", ["ResponseCache"])
    write_module(converter, "demo", ["load_demo"])
    write_module(converter, "schedule", list(COMMANDS.values()))
    commands = converter.app_path / "management" / "commands"
    commands.mkdir(parents=True)
    for folder in (commands.parent, commands):
        (folder / "__init__.py").touch()
    package = f"{converter.project_name}.{APP_NAME}"
    (commands / "load_demo.py").write_text(LOAD_DEMO_COMMAND.format(package=package))
    for name, command in COMMANDS.items():
        (commands / f"{name}.py").write_text(f"from {package}.schedule import {command} as Command  # noqa: F401\n")


@hookimpl
def convert_build_end(converter):
    """The response cache in front of Django's handler, as `nanodjango serve` has it."""
    if not ours(converter):
        return
    wsgi = converter.root_path / converter.project_name / "wsgi.py"
    wrapped = (
        f"application = get_wsgi_application()\n\n"
        f"from {converter.project_name}.{APP_NAME}.responses import ResponseCache"
        "  # noqa: E402  (needs Django set up)\n\n"
        "application = ResponseCache(application)"
    )
    wsgi.write_text(wsgi.read_text().replace("application = get_wsgi_application()", wrapped))


def write_module(converter, module, names):
    from nanodjango.convert.converter import Resolver

    resolver, sources = Resolver(converter, f".{module}"), []
    for name in names:
        source, references = converter.collect_definition(name)
        resolver.add(name, references)
        sources.append(source)
    converter.write_file(converter.app_path / f"{module}.py", resolver.gen_src(), *sources)
