/* placeholder: see include/tcglog/policy.h */
#include "tcglog/error.h"
