/// What a ``RedisConnection`` does when the connection breaks while a command is in flight.
public enum RedisRetryPolicy: Sendable, Hashable {
    /// Discard the connection and throw ``RedisError/Code/connectionLost``: the command may or may not
    /// have run, the caller decides. Use for commands that are not idempotent (XADD, XREADGROUP `>`).
    case never
    /// Discard the connection, reconnect (waiting the reconnect backoff if needed) and send the command
    /// once more; throw ``RedisError/Code/connectionLost`` if that fails too. Only for idempotent
    /// commands (reads, XACK, ownership-checked lease extension), since the first attempt may have run.
    case onceAfterReconnect
}
