/* placeholder: see include/tcglog/quote.h */
#include "tcglog/error.h"
