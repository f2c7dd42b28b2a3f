// Archives (zip, 7z, cab, rar, and the self-extracting .exe that carry them) read in memory through
// libarchive (Debian's libarchive-dev), never by running a program. Only formats libarchive decodes
// itself are enabled: no filter that may hand the bytes to an external program (lrzip, lzop...).
// Members come out bounded: how many, how large each, how much in all.
import CArchive

/// One regular file of an archive.
public struct ArchiveMember: Sendable {
    /// Its path inside the archive, as the archive spells it.
    public var name: String
    public var bytes: [UInt8]
}

/// What reading an archive gave: the members read, and why it stopped early when it did.
public struct ArchiveContents: Sendable {
    /// libarchive's name of the format ("ZIP 2.0 (deflation)", "7-Zip", "CAB", "RAR5").
    public var format: String
    public var members: [ArchiveMember] = []
    /// Bytes decoded in all, those of a member cut short included (work done, for a caller's budget).
    public var produced = 0
    public var failure: ArchiveFailure?
    /// Members not read because their data is encrypted (the others still are).
    public var encrypted: [String] = []
}

public enum ArchiveFailure: Sendable, Equatable, CustomStringConvertible {
    /// More members than the limit: the rest were not read.
    case tooManyMembers(Int)
    /// A member larger than the per-member limit (named), or the total past its limit.
    case memberTooLarge(String, Int)
    case totalTooLarge(Int)
    /// libarchive stopped: corrupt, encrypted, or a method it does not decode (its message).
    case unreadable(member: String?, String)
    /// A member whose data is encrypted (skipped, not decoded): libarchive's own message for
    /// trying to decode it names a symptom ("Invalid PPMd sequence" for a RAR 4 one), not this.
    case encrypted(member: String)

    /// A bound was reached (the archive may be fine); otherwise the archive itself is at fault.
    public var isLimit: Bool {
        switch self {
        case .tooManyMembers, .memberTooLarge, .totalTooLarge: return true
        case .unreadable, .encrypted: return false
        }
    }

    public var description: String {
        switch self {
        case .tooManyMembers(let n): return "the archive holds more than \(n) members: the rest were not read"
        case .memberTooLarge(let name, let n): return "archive member \"\(name)\" is larger than \(n) bytes: not read"
        case .totalTooLarge(let n): return "the archive's members come to more than \(n) bytes in all: the rest were not read"
        case .unreadable(let member, let why): return (member.map { "archive member \"\($0)\": " } ?? "the archive: ") + why
        case .encrypted(let member): return "archive member \"\(member)\" is encrypted (password-protected): not read; extract it with its password first"
        }
    }
}

public enum Archive {
    /// The archive kind whose signature starts `head`, if any: zip, 7z, cab, rar. A self-extracting
    /// .exe starts "MZ" and is only an archive if libarchive finds one inside (`read` says).
    public static func signature(_ head: ArraySlice<UInt8>) -> String? {
        func starts(_ s: [UInt8]) -> Bool { head.count >= s.count && head.prefix(s.count).elementsEqual(s) }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "zip" }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return "7z" }
        if starts(Array("MSCF".utf8) + [0, 0, 0, 0]) { return "cab" }
        if starts(Array("Rar!\u{1A}\u{07}".utf8)) { return "rar" }
        return nil
    }

    /// The regular-file members of the archive in `bytes`; nil when there is none (an .exe
    /// libarchive finds no archive in). An archive by its signature that libarchive cannot even
    /// start (encrypted headers, cut short) gives no members and an `unreadable` failure. At most
    /// `maxMembers` members, `maxMember` bytes each, `maxTotal` in all.
    public static func read(_ bytes: ArraySlice<UInt8>, maxMembers: Int, maxMember: Int, maxTotal: Int) -> ArchiveContents? {
        guard let a = archive_read_new() else { return nil }
        defer { archive_read_free(a) }
        _ = archive_read_support_format_zip(a)
        _ = archive_read_support_format_7zip(a)
        _ = archive_read_support_format_cab(a)
        _ = archive_read_support_format_rar(a)
        _ = archive_read_support_format_rar5(a)
        return bytes.withUnsafeBytes { raw -> ArchiveContents? in
            guard let base = raw.baseAddress, archive_read_open_memory(a, base, raw.count) == ARCHIVE_OK else { return nil }
            var entry: OpaquePointer?
            var status = archive_read_next_header(a, &entry)
            var out = ArchiveContents(format: archive_format_name(a).map { String(cString: $0) } ?? "archive")
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                // Its signature says it is one (a 7z whose headers are encrypted, one cut short):
                // an archive libarchive cannot read, said as such; else no archive at all.
                guard let kind = signature(bytes) else { return nil }
                if status == ARCHIVE_EOF { return out }
                out.format = archive_format_name(a).map { String(cString: $0) } ?? kind
                out.failure = .unreadable(member: nil, errorString(a))
                return out
            }
            while status == ARCHIVE_OK || status == ARCHIVE_WARN, let e = entry {
                let name = memberName(e)
                if archive_entry_filetype(e) & vbios_archive_ifmt == vbios_archive_ifreg {
                    guard out.members.count + out.encrypted.count < maxMembers else { out.failure = .tooManyMembers(maxMembers); return out }
                    if archive_entry_is_encrypted(e) != 0 {
                        // Skipped, not decoded: libarchive reads no password-protected data.
                        out.encrypted.append(name)
                        status = archive_read_next_header(a, &entry)
                        continue
                    }
                    let room = Swift.min(maxMember, maxTotal - out.produced)
                    switch member(a, room: room) {
                    case .success(let data):
                        out.produced += data.count
                        out.members.append(ArchiveMember(name: name, bytes: data))
                    case .failure(let stop):
                        out.produced += stop.produced
                        out.failure = switch stop.why {
                        case nil: room < maxMember ? .totalTooLarge(maxTotal) : .memberTooLarge(name, maxMember)
                        case let why?: .unreadable(member: name, why)
                        }
                        return out
                    }
                }
                status = archive_read_next_header(a, &entry)
            }
            if status != ARCHIVE_EOF { out.failure = .unreadable(member: nil, errorString(a)) }
            return out
        }
    }

    struct Stop: Error { var produced: Int; var why: String? }

    /// The current member's data, at most `room` bytes (a `Stop` with no reason past that).
    static func member(_ a: OpaquePointer, room: Int) -> Result<[UInt8], Stop> {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
            if n == 0 { return .success(data) }
            if n < 0 { return .failure(Stop(produced: data.count, why: errorString(a))) }
            guard data.count + n <= room else { return .failure(Stop(produced: data.count + n, why: nil)) }
            data.append(contentsOf: chunk[0..<n])
        }
    }

    static func memberName(_ e: OpaquePointer) -> String {
        if let utf8 = archive_entry_pathname_utf8(e) { return String(cString: utf8) }
        // Not UTF-8 (an old zip in a code page): read as UTF-8 with bad bytes replaced.
        if let raw = archive_entry_pathname(e) { return String(cString: raw) }
        return "(unnamed)"
    }

    static func errorString(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "libarchive could not read it"
    }
}
