/* placeholder: see include/tcglog/credential.h */
#include "tcglog/error.h"
