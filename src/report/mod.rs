//! The review-meeting report: one incident (or every incident of a case) as a
//! document that leaves the meeting.
//!
//! Why a document model: the same report is written as HTML (read in any
//! browser, printed) and as PDF (made here, offline, with its fonts embedded).
//! Gathering what the case says (`gather`) is done once into a [`doc::Document`]
//! — sections of paragraphs, tables, lists and one vector figure — and each
//! renderer only lays that out. So the HTML and the PDF cannot disagree on
//! what the report says, only on how a page looks.

pub mod doc;
pub mod figure;
pub mod pdf;
