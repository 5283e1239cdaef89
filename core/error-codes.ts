/**
 * Every stable error code sipmod reports, with what it means and how to fix it.
 * docs/errors.md is generated from this table (`npm run docs`) and a test keeps the two equal.
 * Codes are never renamed or reused; a retired code stays listed as retired.
 */
export interface ErrorCodeInfo {
  readonly title: string;
  readonly fix: string;
}

export const errorCodes = {
  // manifest (plugins.json)
  SM_MANIFEST_NOT_FOUND: {
    title: "The manifest or config file does not exist or cannot be read.",
    fix: "Pass an existing file with `-f`, or run from the folder that holds `plugins.json`.",
  },
  SM_MANIFEST_JSON: {
    title: "plugins.json is not valid JSON.",
    fix: "Fix the JSON syntax at the line and column given (a trailing comma or a missing quote is the usual cause).",
  },
  SM_MANIFEST_SCHEMA: {
    title: "plugins.json does not match its schema.",
    fix: "Correct the field named in the message; `$schema: ./core/manifest/plugins.schema.json` lets an editor complete and check it.",
  },
  // module resolution and contract
  SM_MODULE_UNKNOWN: {
    title: "A module named in the manifest or a `loadmodule` line cannot be found.",
    fix: "Use a built-in name (`sipmod modules` lists them), a path starting with `./` relative to the manifest, or an installed npm package name.",
  },
  SM_MODULE_LOAD: {
    title: "Importing a module's code threw an error.",
    fix: "Read the cause printed below the error; it comes from the module's own code or one of its imports.",
  },
  SM_MODULE_INVALID: {
    title: "A module's default export is not a module declaration.",
    fix: "Export the result of `defineModule({...})` (or `classModule(...)`) as the default export.",
  },
  SM_MODULE_CORE_VERSION: {
    title: "A module was built for another major version of the sipmod core.",
    fix: "Install a release of the module built for this core, or set its `core` field after checking it works.",
  },
  SM_MODULE_DUPLICATE: {
    title: "The same module is enabled twice.",
    fix: "Remove one of the two entries (or `loadmodule` lines).",
  },
  SM_DEP_MISSING: {
    title: "A module requires another module that is not enabled.",
    fix: "Add the missing module to `plugins.json` (or a `loadmodule` line before it).",
  },
  SM_DEP_CYCLE: {
    title: "Modules require each other in a cycle, so no start order exists.",
    fix: "Break the cycle: turn one `requires` into `after`, or move the shared part into its own module.",
  },
  SM_FUNCTION_DUPLICATE: {
    title: "Two modules export a config function with the same name.",
    fix: "Enable only one of the two modules, or rename the function in the module you own.",
  },
  SM_NAME_DUPLICATE: {
    title: "Two modules register the same pseudo-variable, route block keyword or RPC method name.",
    fix: "Enable only one of the two modules, or rename the name in the module you own.",
  },
  SM_MODPARAM_MODULE: {
    title: "A `modparam` line names a module that is not loaded at that point.",
    fix: "Put the module's `loadmodule` line before the `modparam` line (or list the module in plugins.json); the module name is matched case-insensitively.",
  },
  SM_PARAM_UNKNOWN: {
    title: "A module parameter is set that the module does not declare.",
    fix: "Check the spelling against `sipmod modules <name>`; parameter names are case-sensitive.",
  },
  SM_PARAM_INVALID: {
    title: "A module parameter has a value of the wrong type or out of range.",
    fix: "Give a value of the type shown in the message (`modparam(\"async\", \"workers\", 2)`: an int, unquoted).",
  },
  SM_CORE_PARAM: {
    title: "A core parameter is unknown or has an invalid value.",
    fix: "Check the name and value against docs/architecture.md (core parameters) or Kamailio's core cookbook.",
  },
  SM_INIT_FAILED: {
    title: "A module's init or child init failed.",
    fix: "Read the cause printed below; it names what the module could not set up.",
  },
  // config file
  SM_CFG_SYNTAX: {
    title: "The config file has a syntax error.",
    fix: "Correct the statement at the line and column given.",
  },
  SM_CFG_INCLUDE: {
    title: "An `include_file`/`import_file` target cannot be read.",
    fix: "Check the path; relative paths are resolved from the including file's folder.",
  },
  SM_CFG_UNKNOWN_FUNCTION: {
    title: "The config calls a function no enabled module provides (or with the wrong number of parameters).",
    fix: "Enable the module that provides it (the message names it when known) or fix the parameter count.",
  },
  SM_CFG_ROUTE_TYPE: {
    title: "A function is called from a route block where it may not be used (Kamailio 5.6: \"Command cannot be used in the block\").",
    fix: "Move the call into a block type the function allows (listed by `sipmod modules <name>`); every event_route accepts what request_route accepts.",
  },
  SM_CFG_EVENT_ROUTE: {
    title: "Warning: a function that works only in some event routes is called elsewhere; it is accepted, as in Kamailio 5.6, but does nothing useful there at run time.",
    fix: "Call it from the event_route it is meant for (the message names it), directly or through a route[] block called from there.",
  },
  SM_CFG_FIXUP: {
    title: "A static function parameter is invalid (for example a non-integer where an integer is required).",
    fix: "Give a value of the expected kind, or a pseudo-variable that holds one.",
  },
  SM_CFG_DUPLICATE_ROUTE: {
    title: "Two route blocks have the same type and name.",
    fix: "Rename or merge one of them.",
  },
  SM_CFG_UNKNOWN_ROUTE: {
    title: "A route referenced by name does not exist.",
    fix: "Add the `route[NAME]` (or failure_route/onreply_route/branch_route) block, or fix the name.",
  },
  SM_CFG_PV: {
    title: "A pseudo-variable is unknown, malformed or not writable.",
    fix: "Check the name against the `pv` module README; enable the module that provides it.",
  },
  // process groups
  SM_GROUP_UNKNOWN: {
    title: "A task was sent to a process group that does not exist.",
    fix: "Define the group (`async_workers_group=\"name=NAME;workers=N\"` or in plugins.json `core.groups`).",
  },
  SM_GROUP_QUEUE_FULL: {
    title: "A process group's task queue is full; the task was refused at once.",
    fix: "Add workers to the group or raise its `queue` size; check why workers are slow.",
  },
  SM_GROUP_WORKER_CRASHED: {
    title: "A worker thread of a process group crashed and was restarted.",
    fix: "Read the cause logged with the group and rank. What it had not acknowledged goes to its replacement once; its transactions and $var values are lost.",
  },
  SM_THREAD_LIMIT: {
    title: "The configuration asks for more threads than transaction identities can name (255 besides the main thread).",
    fix: "Lower `children`, `async_workers` or the group sizes so that their sum stays at 255 or below.",
  },
  SM_THREAD_TIMEOUT: {
    title: "A request to another thread (a transaction operation, t_continue, an RPC call) got no answer in time.",
    fix: "The owning thread is overloaded or blocked; check its queue (core.psx) and the cfg's CPU-heavy routes.",
  },
  SM_THREAD_GONE: {
    title: "A request to another thread failed because that thread does not exist, crashed or stopped.",
    fix: "Check the log for SM_GROUP_WORKER_CRASHED; a transaction owned by a crashed thread is lost with it.",
  },
  SM_THREAD_UNKNOWN_OP: {
    title: "A thread was asked for an operation no module registered there.",
    fix: "A module sends a request its peer module does not handle: load the same modules in every thread (same manifest).",
  },
  SM_THREAD_PROTOCOL: {
    title: "A message between threads did not conform to the thread protocol (checked with SIPMOD_CHECK_PROTOCOL=1).",
    fix: "A bug in sipmod or in a module that posts to threads directly: report it with the logged message.",
  },
  SM_RECEIVE_QUEUE_FULL: {
    title: "A received SIP message was dropped because the receiving thread's queue was full.",
    fix: "Raise `children`, the receivers' `queue`, or find what makes the routes slow.",
  },
  SM_GROUP_SPEC: {
    title: "A process group definition is invalid (bad name or worker count).",
    fix: "Use `name=NAME;workers=N` with N >= 1, as in `async_workers_group=\"name=grp;workers=2\"`.",
  },
  // transport / SIP
  SM_LISTEN: {
    title: "A listen address is invalid or cannot be bound.",
    fix: "Use `udp:127.0.0.1:5060` or `tcp:[::1]:5060`; check that no other process holds the port.",
  },
  SM_RPC: {
    title: "A management (JSON-RPC) call failed.",
    fix: "Check the method name with `sipmod ctl system.listMethods` and its parameters.",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;
