/// What `vbios --version` says. Tools/install.sh (and so Tools/package-deb.sh) writes
/// BuildVersion.swift beside this file (git-ignored) with the `git describe` version and the
/// commit, and builds with `-DVBIOS_BUILD_VERSION`; a plain `swift build` has neither, so a fresh
/// clone still builds and says "unknown".
enum BuildInfo {
    #if VBIOS_BUILD_VERSION
    static let version = buildVersion
    static let commit = buildCommit
    #else
    static let version = "unknown"
    static let commit = "unknown"
    #endif

    static var versionLine: String { "\(version) (commit \(commit))" }
}
