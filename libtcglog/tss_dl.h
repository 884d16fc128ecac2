/*
 * The TPM stack (tss2-esys, tss2-tctildr, tss2-rc), opened when a TPM is
 * (tcg_dev_open; dynlib.h): the functions device.c calls, by their own names,
 * through tcg_tss. The tools that verify and appraise never talk to a TPM.
 * Call tcg_tss_load before any of them. A function used here that is not in
 * the table fails the library's link (none of the three is linked).
 */
#ifndef TCGLOG_TSS_DL_H
#define TCGLOG_TSS_DL_H

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tcglog/error.h"

struct tcg_tss_api {
	__typeof__(&Esys_ActivateCredential) Esys_ActivateCredential;
	__typeof__(&Esys_Create) Esys_Create;
	__typeof__(&Esys_CreatePrimary) Esys_CreatePrimary;
	__typeof__(&Esys_EvictControl) Esys_EvictControl;
	__typeof__(&Esys_Finalize) Esys_Finalize;
	__typeof__(&Esys_FlushContext) Esys_FlushContext;
	__typeof__(&Esys_Free) Esys_Free;
	__typeof__(&Esys_GetCapability) Esys_GetCapability;
	__typeof__(&Esys_Initialize) Esys_Initialize;
	__typeof__(&Esys_Load) Esys_Load;
	__typeof__(&Esys_NV_Read) Esys_NV_Read;
	__typeof__(&Esys_NV_ReadPublic) Esys_NV_ReadPublic;
	__typeof__(&Esys_PCR_Extend) Esys_PCR_Extend;
	__typeof__(&Esys_PCR_Read) Esys_PCR_Read;
	__typeof__(&Esys_PolicySecret) Esys_PolicySecret;
	__typeof__(&Esys_Quote) Esys_Quote;
	__typeof__(&Esys_ReadPublic) Esys_ReadPublic;
	__typeof__(&Esys_StartAuthSession) Esys_StartAuthSession;
	__typeof__(&Esys_Startup) Esys_Startup;
	__typeof__(&Esys_TR_Close) Esys_TR_Close;
	__typeof__(&Esys_TR_FromTPMPublic) Esys_TR_FromTPMPublic;
	__typeof__(&Tss2_TctiLdr_Initialize) Tss2_TctiLdr_Initialize;
	__typeof__(&Tss2_TctiLdr_Finalize) Tss2_TctiLdr_Finalize;
	__typeof__(&Tss2_RC_Decode) Tss2_RC_Decode;
};

extern struct tcg_tss_api tcg_tss;

/* The three libraries loaded and tcg_tss filled, or TCG_E_IO (rule tpm). */
tcg_rc tcg_tss_load(tcg_err *err);

/* dynlib.c defines the table and needs the plain names. */
#ifndef TCG_DL_TABLES
#define Esys_ActivateCredential tcg_tss.Esys_ActivateCredential
#define Esys_Create tcg_tss.Esys_Create
#define Esys_CreatePrimary tcg_tss.Esys_CreatePrimary
#define Esys_EvictControl tcg_tss.Esys_EvictControl
#define Esys_Finalize tcg_tss.Esys_Finalize
#define Esys_FlushContext tcg_tss.Esys_FlushContext
#define Esys_Free tcg_tss.Esys_Free
#define Esys_GetCapability tcg_tss.Esys_GetCapability
#define Esys_Initialize tcg_tss.Esys_Initialize
#define Esys_Load tcg_tss.Esys_Load
#define Esys_NV_Read tcg_tss.Esys_NV_Read
#define Esys_NV_ReadPublic tcg_tss.Esys_NV_ReadPublic
#define Esys_PCR_Extend tcg_tss.Esys_PCR_Extend
#define Esys_PCR_Read tcg_tss.Esys_PCR_Read
#define Esys_PolicySecret tcg_tss.Esys_PolicySecret
#define Esys_Quote tcg_tss.Esys_Quote
#define Esys_ReadPublic tcg_tss.Esys_ReadPublic
#define Esys_StartAuthSession tcg_tss.Esys_StartAuthSession
#define Esys_Startup tcg_tss.Esys_Startup
#define Esys_TR_Close tcg_tss.Esys_TR_Close
#define Esys_TR_FromTPMPublic tcg_tss.Esys_TR_FromTPMPublic
#define Tss2_TctiLdr_Initialize tcg_tss.Tss2_TctiLdr_Initialize
#define Tss2_TctiLdr_Finalize tcg_tss.Tss2_TctiLdr_Finalize
#define Tss2_RC_Decode tcg_tss.Tss2_RC_Decode
#endif

#endif
