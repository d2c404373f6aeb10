//! `DownloadItem`: downloads of a session that pause, resume across restarts and never splice
//! bytes of two versions of a file.
