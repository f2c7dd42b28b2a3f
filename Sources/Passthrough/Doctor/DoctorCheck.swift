/// One finding of `vbios doctor`: a stable id, a verdict, what was seen, and the next steps.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        /// `unknown`: the check could not look (an unreadable sysfs entry); never reported as ok.
        case ok, unknown, warn, fail
        var rank: Int { self == .ok ? 0 : self == .unknown ? 1 : self == .warn ? 2 : 3 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var id: String
    public var status: Status
    public var message: String
    /// Exact next steps, in order; empty when there is nothing to do.
    public var fixes: [String]

    public init(_ id: String, _ status: Status, _ message: String, fixes: [String] = []) {
        self.id = id
        self.status = status
        self.message = message
        self.fixes = fixes
    }
}
