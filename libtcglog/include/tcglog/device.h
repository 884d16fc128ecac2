/* The device side of DHA through tss2-esys (being written). */
#ifndef TCGLOG_DEVICE_H
#define TCGLOG_DEVICE_H
#endif
