//! Errors of the identity-verification service: the one place where each gets its `CE....` code
//! and HTTP status (`intoss-idv-api` renders them).
//!
//! | code | HTTP | meaning |
//! |---|---|---|
//! | CE1000 | 401 | access token missing, malformed, expired, or its client deleted (seed) |
//! | CE3000 | 400 | invalid parameter: a missing or ill-formed field, bad JSON, an unknown path |
//! | CE3000 | 405 | a method the path does not have (with `Allow`) |
//! | CE3001 | 400 | the sessionKey or an encrypted field cannot be decrypted |
//! | CE3002 | 400 | the sessionKey's session was already used in this transaction |
//! | CE3100 | 404 | no such transaction for this client (seed) |
//! | CE3101 | 400 | the result was already fetched the maximum number of times (2) |
//! | CE3102 | 400 | the transaction is not completed yet (seed) |
//! | CE3103 | 400 | the transaction expired before the user completed it |
//! | CE3200 | 400 | the result window (60 minutes after completion) has passed |
//! | CE5000 | 500 | internal error |
//!
//! CE1000, CE3100 and CE3102 are documented by the seed. The others are among the codes the
//! real service is known to use (toss-apis.md §1.5); their meanings here are intoss's choice,
//! following the one third-party mapping known (CE3101 limit, CE3103 expired).

/// A failed identity-verification call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdvError {
    /// CE1000.
    #[error("토큰이 유효하지 않습니다.")]
    InvalidToken,
    /// CE3000.
    #[error("요청 파라미터가 올바르지 않습니다: {0}")]
    InvalidParameter(String),
    /// CE3000 for one named field of the request or the simulator's form.
    #[error("요청 파라미터가 올바르지 않습니다: {field}: {reason}")]
    InvalidField {
        /// The field (`userBirthday`, `gender`, ...).
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// CE3000 with 405: a method the path does not have.
    #[error("요청 파라미터가 올바르지 않습니다: {0}")]
    MethodNotAllowed(String),
    /// CE3001.
    #[error("암호화된 값을 복호화할 수 없습니다: {0}")]
    Undecryptable(String),
    /// CE3002.
    #[error("이미 사용된 세션키입니다. 세션키는 매 요청마다 새로 생성해야 합니다.")]
    SessionReused,
    /// CE3100.
    #[error("존재하지 않는 요청입니다")]
    UnknownTransaction,
    /// CE3101.
    #[error("결과조회 가능 횟수(2회)를 초과했습니다.")]
    ResultLimit,
    /// CE3102.
    #[error("요청이 아직 완료되지 않았습니다.")]
    NotCompleted,
    /// CE3103.
    #[error("인증 유효시간이 만료되었습니다. 인증 요청부터 다시 시작해 주세요.")]
    Expired,
    /// CE3200.
    #[error("결과조회 가능 시간(인증 완료 후 60분)이 지났습니다. 인증 요청부터 다시 시작해 주세요.")]
    ResultWindowPassed,
    /// Not a CE code: the simulator asked for a transition the state does not allow.
    #[error("{0}")]
    InvalidState(String),
    /// CE5000.
    #[error("일시적인 오류가 발생했습니다.")]
    Internal,
}

impl IdvError {
    /// The `errorCode`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidToken => "CE1000",
            Self::InvalidParameter(_) | Self::InvalidField { .. } | Self::MethodNotAllowed(_) => "CE3000",
            Self::Undecryptable(_) => "CE3001",
            Self::SessionReused => "CE3002",
            Self::UnknownTransaction => "CE3100",
            Self::ResultLimit => "CE3101",
            Self::NotCompleted | Self::InvalidState(_) => "CE3102",
            Self::Expired => "CE3103",
            Self::ResultWindowPassed => "CE3200",
            Self::Internal => "CE5000",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidToken => 401,
            Self::UnknownTransaction => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::Internal => 500,
            _ => 400,
        }
    }
}

impl From<intoss_store::StoreError> for IdvError {
    fn from(e: intoss_store::StoreError) -> Self {
        tracing::error!(error = %e, "identity-verification storage error");
        Self::Internal
    }
}

impl From<crate::person::FieldError> for IdvError {
    fn from(e: crate::person::FieldError) -> Self {
        Self::InvalidField { field: e.field, reason: e.reason }
    }
}

/// An RFC 6749 §5.2 error of the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    /// A parameter is missing, repeated or malformed; or the body is not a form.
    InvalidRequest(&'static str),
    /// Unknown client, wrong secret, or a deleted client. Always the same answer.
    InvalidClient,
    /// `grant_type` is not `client_credentials`.
    UnsupportedGrantType,
    /// `scope` is not `ca`.
    InvalidScope,
    /// Server failure.
    ServerError,
}

impl OAuthError {
    /// The HTTP status, the RFC 6749 `error` and its `error_description`.
    pub fn parts(self) -> (u16, &'static str, &'static str) {
        match self {
            Self::InvalidRequest(d) => (400, "invalid_request", d),
            Self::InvalidClient => (401, "invalid_client", "client authentication failed"),
            Self::UnsupportedGrantType => {
                (400, "unsupported_grant_type", "only client_credentials is supported")
            }
            Self::InvalidScope => (400, "invalid_scope", "the only scope is `ca`"),
            Self::ServerError => (500, "server_error", "temporary failure"),
        }
    }
}
