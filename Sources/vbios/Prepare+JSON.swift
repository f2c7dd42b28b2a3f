import Core
import Firmware
import OptionROM
import Passthrough

/// `prepare --json` (with `--dry-run`: the plan, nothing written): one object. The keys before
/// `romProvenance` are the ones prepare always wrote; the rest were added with the plan (keys
/// are only ever added).
extension Prepare {
    func json(_ plan: Preparation.Plan, card: PassthroughCard, dir: String) -> JSON {
        let prepared = plan.prepared
        return JSON.object([
            ("address", .string(card.romFunction.address.description)), ("target", .string(target.rawValue)), ("outDir", .string(dir)),
            ("dryRun", .bool(dryRun)), ("romPath", prepared == nil ? .null : .string(plan.romPath)),
            ("romBAR", .bool(prepared != nil)), ("noROM", Self.noROM(plan).map { .string($0) } ?? .null),
            ("firmware", .string(plan.firmware.rawValue)),
            ("functions", .array(card.functions.map { .string($0.address.description) })),
            ("romSource", .string(plan.provenance.origin)), ("size", .int(prepared?.bytes.count ?? 0)),
            ("gopDriver", plan.gop.map { $0.json(source: romFrom ?? "") } ?? .null),
            ("gopROM", gopROMJSON(plan)),
            ("igdMode", card.romFunction.isIntelIGD ? .string(card.igdMode.rawValue) : .null),
            ("files", .array(plan.files.map { fileJSON($0, dir: dir) })),
            ("notes", .array(plan.findings.map(\.json))),
            ("acceptance", .array((prepared?.acceptance ?? []).map { a in
                .object([("profile", .string(a.profile.rawValue)), ("ok", .bool(a.ok)), ("problems", .array(a.problems.map(\.json)))])
            })),
            ("nextSteps", .string(NextSteps.text(plan.steps, target: target, card: card))),
            ("romProvenance", provenanceJSON(plan)),
            ("acceptances", .array(plan.acceptances.map(acceptedJSON))),
            ("events", .array(plan.notes.map { n in
                let (warning, text) = words(n, plan: plan, card: card)
                return .object([("code", .string(n.code)), ("severity", .string(warning ? "warning" : "info")), ("message", .string(text))])
            })),
            ("steps", .array(plan.steps.map { .object([("text", .string($0))]) })),
        ])
    }

    /// A file of the plan: where it goes, its size and mode; a configuration's text too.
    func fileJSON(_ f: Preparation.File, dir: String) -> JSON {
        var pairs: [(String, JSON)] = [("name", .string(f.name)), ("path", .string(dir + "/" + f.name)), ("size", .int(f.bytes.count)),
                                       ("kind", .string(f.kind.rawValue)), ("mode", .int(Int(f.mode)))]
        if f.kind == .config { pairs.append(("text", .string(String(decoding: f.bytes, as: UTF8.self)))) }
        return .object(pairs)
    }

    /// An APU's GOP ROM for its HD-audio function: the function, where the configs say it lives, its size.
    func gopROMJSON(_ plan: Preparation.Plan) -> JSON {
        guard let g = plan.gopROM, let path = plan.gopROMPath else { return .null }
        return .object([("function", .string(g.function.address.description)), ("path", .string(path)), ("size", .int(g.bytes.count))])
    }

    func provenanceJSON(_ plan: Preparation.Plan) -> JSON {
        let p = plan.provenance
        return .object([
            ("kind", .string(p.kind.rawValue)), ("origin", .string(p.origin)), ("path", .optional(p.path)),
            ("source", .optional(p.source)), ("location", .optional(p.location)),
            ("exact", p.exact.map { .bool($0) } ?? .null), ("size", .optional(plan.input?.count)),
        ])
    }

    func acceptedJSON(_ a: Preparation.Accepted) -> JSON {
        .object([
            ("kind", .string(a.kind.rawValue)), ("reason", .string(a.reason)), ("overridden", .bool(a.overridden)),
            ("errors", .array(a.errors.map(\.json))),
        ])
    }
}
