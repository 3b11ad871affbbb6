// Kept for the includes that name it; the one definition is shared by every layer.
#pragma once

#include "volley/detail/concat.hpp"
