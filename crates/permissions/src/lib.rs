//! Electron's permission handlers for a session: request and check handlers, typed permissions
//! and decisions, default policies and grants.
