// Readers for the client histories the linearizability checker accepts:
//
//  - raftsim_jsonl: raftsim's own JSON Lines format (docs/history-format.md). Keys are strings, a key
//    that was never written reads "" (History::initial_value = "").
//  - jepsen_etcd: Jepsen's etcd register logs (`INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]`), one
//    register (key ""), initial value nil. `:fail :cas` is a cas whose compare did not match: it is kept as
//    ok with cas_succeeded = false because it constrains the history.
//  - jepsen_edn_kv: Jepsen key-value histories as one EDN map per line
//    (`{:process 0, :type :ok, :f :get, :key "3", :value ""}`), get / put / append, initial value "".
//
// Every format pairs an invoke with its completion; an invoke left without completion at the end of the
// file is `info` (unknown outcome). Failed operations are kept with outcome `fail` (the checker ignores
// them). Times are event positions (line numbers): the files list events in the order they happened, and
// positions keep that order exactly, with no ties.
//
// Nothing is guessed: a line that does not fit its format throws HistoryParseError naming the file, the
// line and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "checkers/history.h"

namespace checkers {

// `file` is used only in error messages.
History parse_history(const std::string& text, const std::string& file, HistoryFormat format);

// From the first non-empty line: `{"...` (a JSON object) is raftsim_jsonl, `INFO  jepsen.util` is
// jepsen_etcd, `{:` (an EDN map) is jepsen_edn_kv. Anything else throws HistoryParseError naming that line
// and the three formats. A text with no non-empty line is an empty raftsim_jsonl history (what raftsim
// writes for a run without client operations).
HistoryFormat detect_history_format(const std::string& text, const std::string& file = "<history>");

// The largest history file load_history_file reads (a million operations take about 100 MB).
constexpr std::uintmax_t kHistoryFileBytesMax = std::uintmax_t{1} << 30;

// Reads the file (a regular file only) and parses it; detects the format when `format` is empty. An unreadable file throws
// HistoryParseError with line 0.
History load_history_file(const std::string& path, std::optional<HistoryFormat> format = std::nullopt);

const char* history_format_name(HistoryFormat format);

}  // namespace checkers
