import Synchronization

/// How a library's text that has to stay a `String` (a finding's message, which `--json` carries
/// as it is) words the `NextStep`s inside it. The executable installs its words once, first thing,
/// before any work (`vbios`: `NextStepWording.words`); until then, and in a library used on its
/// own, a step reads as its action and value (`AdvisedText.description`). Installing after the
/// words were first used is refused, so every message of a run is worded the same way.
public enum StepWording {
    private static let state = Mutex<(words: (@Sendable (NextStep) -> String)?, used: Bool)>((nil, false))

    /// Installs `words`; false when a message was already worded (nothing changes then).
    @discardableResult
    public static func install(_ words: @escaping @Sendable (NextStep) -> String) -> Bool {
        state.withLock { s in
            guard !s.used else { return false }
            s.words = words
            return true
        }
    }

    /// `advice` in the installed words.
    public static func text(_ advice: AdvisedText) -> String {
        let words = state.withLock { s in
            s.used = true
            return s.words
        }
        guard let words else { return advice.description }
        return advice.worded(words)
    }
}
