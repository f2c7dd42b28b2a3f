// PCIHost's API takes and returns SystemIO's types (`SystemError`, `HostIO`, `FileBytes`), and
// its callers (Passthrough's doctor, the CLI) use its file helpers: one import brings both.
@_exported import SystemIO
