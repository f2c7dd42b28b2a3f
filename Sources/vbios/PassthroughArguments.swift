import ArgumentParser
import PCIHost
import Passthrough

// The one command-line conformance of each passthrough type: `--for` (prepare, doctor) and
// `--to` (bind, persist) take the same values everywhere.
extension PassthroughTarget: ExpressibleByArgument {}
extension PassthroughDriver: ExpressibleByArgument {}
