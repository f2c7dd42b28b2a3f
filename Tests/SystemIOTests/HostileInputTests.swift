import Testing
import SystemIO
import OptionROM
import TestSupport
import Glibc

/// Inputs that change or are not files (issue 15): what is read is a private copy, and only
/// regular files are read.
@Suite struct HostileFileInputs {
    static func tempFile(_ bytes: [UInt8]) -> String {
        var template = Array("/tmp/vbios-hostile-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return String(cString: template)
    }

    /// A mapped file shows another writer's changes, and raises SIGBUS once truncated under it;
    /// a copy does neither.
    @Test func fileBytesIsACopyNotAMapping() throws {
        let path = Self.tempFile([UInt8](repeating: 0x55, count: 8192))
        defer { unlink(path) }
        let data = try FileBytes(path: path)
        let fd = open(path, O_WRONLY)
        var zero: UInt8 = 0
        #expect(pwrite(fd, &zero, 1, 0) == 1)
        close(fd)
        #expect(data.bytes[0] == 0x55, "FileBytes reflects a later write: it maps the file")
        #expect(truncate(path, 0) == 0)
        #expect(data.withUnsafeBytes { $0.reduce(0) { $0 + Int($1) } } == 0x55 * 8192)
    }

    @Test func fifoAndDevicesAreRefusedWithoutBlocking() throws {
        let dir = "/tmp/vbios-fifo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o700)
        defer { unlink(dir + "/fifo"); rmdir(dir) }
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        for path in [dir + "/fifo", "/dev/zero", "/dev/null"] {
            #expect(throws: NotARegularFile.self) { _ = try FileBytes(path: path) }
            #expect(throws: NotARegularFile.self) { _ = try FileReader().withContents(of: path, limit: 1 << 20) { $0.count } }
            #expect(throws: NotARegularFile.self) { _ = try ChunkedFile(path: path) }
            #expect(throws: NotARegularFile.self) { _ = try ChunkedFile.bytes(path: path, at: 0, count: 16) }
        }
        #expect(throws: SystemError.self) { _ = try HostIO.live.read(dir + "/fifo", 1 << 20) }
        do { _ = try HostIO.live.read(dir + "/fifo", 1 << 20) } catch { #expect(error.errno == ESPIPE) }
    }

    /// Windows of any size find what one pass over the whole blob finds: ROMScanner's stream fed by
    /// `ChunkedFile` (the composition `vbios scan` uses for a plain file).
    @Test(arguments: [4096, 65536, 1 << 20])
    func windowedScanMatchesWholeScan(_ window: Int) throws {
        var blob = [UInt8](repeating: 0xFF, count: 3 << 20)
        var rng = SystemRandomNumberGenerator()
        // ROMs of 2..64 KiB at random places, some straddling window edges.
        var at = 100
        while at < blob.count - (80 << 10) {
            let blocks = Int.random(in: 4...128, using: &rng)
            let rom = ROMBuilder.bareLegacy(units: blocks).build()
            blob.replaceSubrange(at..<at + rom.count, with: rom)
            at += rom.count + Int.random(in: 0...50_000, using: &rng)
        }
        let path = Self.tempFile(blob)
        defer { unlink(path) }
        var options = ROMScanner.Options()
        options.maximumROMLength = 128 << 10
        let whole = blob.withUnsafeBytes { ROMScanner.scan($0, options: options) }
        var windowed: [EmbeddedROM] = []
        let file = try ChunkedFile(path: path)
        let size = try ROMScanner.scan(options: options, window: window, read: file.read) { rom, bytes in
            windowed.append(rom)
            #expect(Array(bytes) == Array(blob[rom.offset..<rom.end]))
        }
        #expect(size == blob.count)
        #expect(whole.count > 10)
        #expect(windowed == whole)
    }
}

/// A file that shrinks while it is read: the chunked reader returns what is left (short counts,
/// then 0), never a crash, and a piece read again past the new end comes back short.
@Suite struct ChunkedFileShrinks {
    @Test func shrinkingFileEndsEarly() throws {
        let path = HostileFileInputs.tempFile([UInt8](repeating: 0xA5, count: 1 << 20))
        defer { unlink(path) }
        let file = try ChunkedFile(path: path)
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        let first = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        #expect(first == 256 << 10)
        #expect(truncate(path, 300 << 10) == 0)
        let second = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 256 << 10) }
        #expect(second == 44 << 10)
        #expect(buffer[0..<second].allSatisfy { $0 == 0xA5 })
        let third = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 512 << 10) }
        #expect(third == 0)
        #expect(try ChunkedFile.bytes(path: path, at: 290 << 10, count: 20 << 10).count == 10 << 10)
    }
}
