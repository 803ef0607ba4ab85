#include "raft/message.h"

#include <type_traits>

#include "base/assert.h"

namespace raft {

const char* message_name(const Message& message) {
  return std::visit(
      [](const auto& m) -> const char* {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, RequestVote>) {
          return "RequestVote";
        } else if constexpr (std::is_same_v<T, RequestVoteReply>) {
          return "RequestVoteReply";
        } else if constexpr (std::is_same_v<T, AppendEntries>) {
          return "AppendEntries";
        } else if constexpr (std::is_same_v<T, AppendEntriesReply>) {
          return "AppendEntriesReply";
        } else if constexpr (std::is_same_v<T, InstallSnapshot>) {
          return "InstallSnapshot";
        } else if constexpr (std::is_same_v<T, InstallSnapshotReply>) {
          return "InstallSnapshotReply";
        } else if constexpr (std::is_same_v<T, PreVote>) {
          return "PreVote";
        } else if constexpr (std::is_same_v<T, PreVoteReply>) {
          return "PreVoteReply";
        } else {
          static_assert(std::is_same_v<T, TimeoutNow>, "message_name: unhandled Message alternative");
          return "TimeoutNow";
        }
      },
      message);
}

}  // namespace raft
