//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A quota parameter is out of range (reported by [`QuotaBuilder::build`](crate::QuotaBuilder::build)).
    #[error("invalid quota: {field} = {value}: {reason}")]
    InvalidQuota {
        /// The parameter: `limit`, `period` or `burst`.
        field: &'static str,
        /// The rejected value (nanoseconds for `period`).
        value: u128,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A limiter parameter is out of range (reported by a limiter builder).
    #[error("invalid limiter option: {field} = {value}: {reason}")]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// The rejected value.
        value: u128,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// An algorithm name that is not one of the six.
    #[error(
        "unknown algorithm {name:?}: expected gcra, token-bucket, leaky-bucket, fixed-window, sliding-log or sliding-window"
    )]
    UnknownAlgorithm {
        /// The name given.
        name: String,
    },
    /// A line of a request trace or a duration could not be parsed.
    #[error("{source_name}:{line}:{column}: invalid {field} {value:?}: {reason}")]
    Parse {
        /// Where the input came from (a file name, or `<stdin>`, or `<arg>`).
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column of the offending field (in characters).
        column: usize,
        /// The field: `time`, `key`, `cost`, `duration`, `trailing`.
        field: &'static str,
        /// The offending text.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// An I/O error while reading input.
    #[error("cannot read {source_name}")]
    Io {
        /// What was being read.
        source_name: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The Redis store was built outside a Tokio runtime (its connections use the runtime's
    /// I/O driver and timers).
    #[cfg(feature = "redis")]
    #[error("redis: the store must be built inside a tokio runtime")]
    NoRuntime,
    /// The Redis server could not be reached or answered with an error.
    #[cfg(feature = "redis")]
    #[error("redis: {operation} failed")]
    Redis {
        /// What was attempted (`connect`, `script`, `time`).
        operation: &'static str,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// The Redis script answered with something that is not a decision.
    #[cfg(feature = "redis")]
    #[error("redis: unexpected reply {reply:?}")]
    RedisReply {
        /// The reply, rendered for diagnosis.
        reply: String,
    },
}

impl Error {
    /// Whether this error is a parse error in a trace or duration.
    #[must_use]
    pub fn is_parse(&self) -> bool {
        matches!(self, Error::Parse { .. })
    }

    /// Whether this error comes from the configuration of a quota or limiter.
    #[must_use]
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            Error::InvalidQuota { .. }
                | Error::InvalidOption { .. }
                | Error::UnknownAlgorithm { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn messages_are_lowercase_and_carry_data() {
        let e = Error::InvalidQuota {
            field: "limit",
            value: 0,
            reason: "must be at least 1",
        };
        assert_eq!(
            e.to_string(),
            "invalid quota: limit = 0: must be at least 1"
        );
        assert!(e.is_config());
        assert!(!e.is_parse());
    }
}
