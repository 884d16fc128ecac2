/* placeholder: see include/tcglog/claims.h */
#include "tcglog/error.h"
