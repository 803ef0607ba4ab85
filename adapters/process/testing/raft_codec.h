// A byte encoding of the reference Raft's messages and disk records, so that the reference Raft can run
// as a child process (raftsim treats both as opaque bytes; any encoding works). Little-endian fields, as
// in the protocol itself (adapters/process/wire.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "raft/message.h"
#include "raft/output.h"

namespace adapters::process::testing {

std::string encode_envelope(const raft::Envelope& envelope);
// Throws wire::DecodeError.
raft::Envelope decode_envelope(std::string_view bytes);

std::string encode_record(const raft::PersistRequest& record);
// Throws wire::DecodeError.
raft::PersistRequest decode_record(std::string_view bytes);

}  // namespace adapters::process::testing
