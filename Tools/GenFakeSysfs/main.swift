// Writes the `config` and `resource` files of fake sysfs devices through TestSupport's
// FakeConfigSpace (the config-space layout vbios reads, declared once in PCIHost/ConfigSpace.swift).
// Tools/gen-fake-sysfs.py declares the hosts and pipes every device's description here as JSON:
//
//     gen-fake-sysfs-files < devices.json      ([{"dir": ..., "config": {...}, "resources": [...]}])
import Foundation
import TestSupport

do {
    let input = FileHandle.standardInput.readDataToEndOfFile()
    let devices = try JSONDecoder().decode([FakeDeviceFiles].self, from: input)
    for d in devices { try d.write() }
} catch {
    FileHandle.standardError.write(Data("gen-fake-sysfs-files: \(error)\n".utf8))
    exit(1)
}
