/*
 * libxml2, opened when a DHA-Report is first written or read (dynlib.h): the
 * xml* functions report.c calls, by their own names, through tcg_xml. Call
 * tcg_xml_load before any of them. A function used here that is not in the
 * table fails the library's link (no libxml2 is linked).
 */
#ifndef TCGLOG_XML_DL_H
#define TCGLOG_XML_DL_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "tcglog/error.h"

struct tcg_xml_api {
	__typeof__(&xmlDocDumpFormatMemoryEnc) xmlDocDumpFormatMemoryEnc;
	__typeof__(&xmlDocGetRootElement) xmlDocGetRootElement;
	__typeof__(&xmlDocSetRootElement) xmlDocSetRootElement;
	__typeof__(&xmlFreeDoc) xmlFreeDoc;
	__typeof__(&xmlGetLineNo) xmlGetLineNo;
	__typeof__(&xmlGetProp) xmlGetProp;
	__typeof__(&xmlNewChild) xmlNewChild;
	__typeof__(&xmlNewDoc) xmlNewDoc;
	__typeof__(&xmlNewNode) xmlNewNode;
	__typeof__(&xmlNewNs) xmlNewNs;
	__typeof__(&xmlNewNsProp) xmlNewNsProp;
	__typeof__(&xmlNewProp) xmlNewProp;
	__typeof__(&xmlNewTextChild) xmlNewTextChild;
	__typeof__(&xmlNodeAddContent) xmlNodeAddContent;
	__typeof__(&xmlReadMemory) xmlReadMemory;
	__typeof__(&xmlSetNs) xmlSetNs;
	/* xmlFree: a macro over the per-thread __xmlFree() where libxml2 keeps
	 * its allocators per thread (Debian's), else a variable. */
#ifdef xmlFree
	__typeof__(&__xmlFree) __xmlFree;
#else
	xmlFreeFunc *xmlFree;
#endif
};

extern struct tcg_xml_api tcg_xml;

/* libxml2.so.2 loaded and tcg_xml filled, or TCG_E_IO (rule report-xml-library). */
tcg_rc tcg_xml_load(tcg_err *err);

/* dynlib.c defines the table and needs the plain names. */
#ifndef TCG_DL_TABLES
#define xmlDocDumpFormatMemoryEnc tcg_xml.xmlDocDumpFormatMemoryEnc
#define xmlDocGetRootElement tcg_xml.xmlDocGetRootElement
#define xmlDocSetRootElement tcg_xml.xmlDocSetRootElement
#define xmlFreeDoc tcg_xml.xmlFreeDoc
#define xmlGetLineNo tcg_xml.xmlGetLineNo
#define xmlGetProp tcg_xml.xmlGetProp
#define xmlNewChild tcg_xml.xmlNewChild
#define xmlNewDoc tcg_xml.xmlNewDoc
#define xmlNewNode tcg_xml.xmlNewNode
#define xmlNewNs tcg_xml.xmlNewNs
#define xmlNewNsProp tcg_xml.xmlNewNsProp
#define xmlNewProp tcg_xml.xmlNewProp
#define xmlNewTextChild tcg_xml.xmlNewTextChild
#define xmlNodeAddContent tcg_xml.xmlNodeAddContent
#define xmlReadMemory tcg_xml.xmlReadMemory
#define xmlSetNs tcg_xml.xmlSetNs
#ifdef xmlFree
#define __xmlFree tcg_xml.__xmlFree
#else
#define xmlFree (*tcg_xml.xmlFree)
#endif
#endif

#endif
