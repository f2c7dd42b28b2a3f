/// A library's sentence with its next steps inside it: the text is the library's, and where a
/// flag or a command would stand there is a `NextStep`, which only the CLI words
/// (`vbios/NextStepWording.swift`). Written as a string literal, with a step interpolated:
/// `"try \(NextStep(.readSource, "shadow")) on the boot VGA device"`.
///
/// An interpolated value that is itself `Advised` (an error with steps in its message) keeps its
/// steps; anything else is interpolated as its description.
public struct AdvisedText: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public enum Part: Sendable, Equatable {
        case text(String)
        case step(NextStep)
    }

    public private(set) var parts: [Part] = []

    public init() {}

    public init(_ text: String) { append(text) }

    /// What `value` says: its own advised text when it has one (`Advised`), else its description.
    public init(describing value: Any) {
        if let advised = value as? any Advised { self = advised.advice } else { append(String(describing: value)) }
    }

    public init(stringLiteral value: String) { append(value) }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.text.parts }

    /// The steps in the text, in order.
    public var steps: [NextStep] {
        parts.compactMap { if case let .step(s) = $0 { return s } else { return nil } }
    }

    /// The text with each step in `word`'s words.
    public func worded(_ word: (NextStep) -> String) -> String {
        parts.map { part in
            switch part {
            case let .text(t): return t
            case let .step(s): return word(s)
            }
        }.joined()
    }

    /// The text with each step as its action and value (`[read-source shadow]`): for a reader
    /// without the CLI's words (a test, a log); what a person sees is `worded`.
    public var description: String { worded { $0.neutral } }

    public var isEmpty: Bool { parts.isEmpty }

    public mutating func append(_ text: String) {
        guard !text.isEmpty else { return }
        if case let .text(last)? = parts.last { parts[parts.count - 1] = .text(last + text) } else { parts.append(.text(text)) }
    }

    public mutating func append(_ step: NextStep) { parts.append(.step(step)) }

    public mutating func append(_ other: AdvisedText) {
        for part in other.parts {
            switch part {
            case let .text(t): append(t)
            case let .step(s): append(s)
            }
        }
    }

    public static func + (a: AdvisedText, b: AdvisedText) -> AdvisedText {
        var r = a
        r.append(b)
        return r
    }

    public static func + (a: AdvisedText, b: String) -> AdvisedText { a + AdvisedText(b) }

    public static func += (a: inout AdvisedText, b: AdvisedText) { a.append(b) }

    public static func += (a: inout AdvisedText, b: String) { a.append(b) }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = AdvisedText()
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { text.append(literal) }
        public mutating func appendInterpolation(_ step: NextStep) { text.append(step) }
        public mutating func appendInterpolation(_ other: AdvisedText) { text.append(other) }
        public mutating func appendInterpolation<T>(_ value: T) { text.append(AdvisedText(describing: value)) }
    }
}

/// A value whose message may hold next steps (most often an error): the CLI words `advice`;
/// `description` is the same text with the steps in neutral form.
public protocol Advised: CustomStringConvertible {
    var advice: AdvisedText { get }
}

extension Advised {
    public var description: String { advice.description }
}

extension DefaultStringInterpolation {
    /// A step goes into an `AdvisedText`, which the CLI words; in a plain `String` it would lose
    /// its words silently, so the compiler refuses it.
    @available(*, unavailable, message: "interpolate a NextStep into an AdvisedText, which the CLI words")
    public mutating func appendInterpolation(_ step: NextStep) {}
}
