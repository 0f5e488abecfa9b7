import ArgumentParser
import Foundation

/// Standard-error output and the error-to-exit-code policy shared by every command.
enum Console {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}

/// Runs a command body; library errors (bad files, bad input, store failures) become one
/// `error: …` line on stderr and exit code 1. Usage errors keep ArgumentParser's handling (exit 2).
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        Console.error(String(describing: error))
        throw ExitCode(1)
    }
}
