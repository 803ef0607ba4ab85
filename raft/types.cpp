#include "raft/types.h"

#include "base/assert.h"

namespace raft {

const char* role_name(Role role) {
  switch (role) {
    case Role::follower:
      return "follower";
    case Role::candidate:
      return "candidate";
    case Role::leader:
      return "leader";
    case Role::pre_candidate:
      return "pre-candidate";
  }
  RAFTSIM_ASSERT_MSG(false, "role_name: value outside the Role enum");
  return "?";
}

}  // namespace raft
