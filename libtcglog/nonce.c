/* placeholder: see include/tcglog/nonce.h */
#include "tcglog/error.h"
