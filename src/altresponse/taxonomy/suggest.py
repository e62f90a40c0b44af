"""Suggest a common type for a local call-type string the crosswalk does not know.

Three sources of evidence, cheapest first:
1. MPDS-style codes ("25A01", "10-D-1") name the chief-complaint protocol directly;
2. keyword rules over the text after abbreviation expansion ("SUSP VEH" -> "SUSPICIOUS VEHICLE") and
   suffix stripping ("CHEST PAIN CHARLIE", "FALL BLS", "... IN PROG", "... DELAY");
3. string similarity (rapidfuzz) against every spelling already reviewed in the known crosswalks and
   the catalogue's own names.
A suggestion is only a proposal with a confidence: it is written into a crosswalk only when a
person accepts it (`altresponse taxonomy accept`), never applied silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz, process

from altresponse.taxonomy.catalogue import UNMAPPED, Catalogue, load_catalogue
from altresponse.taxonomy.crosswalk import Crosswalk, load_crosswalk, normalize_local_type

# Abbreviations seen in CAD call-type fields, expanded token by token.
ABBREVIATIONS: dict[str, str] = {
    "DISTURB": "DISTURBANCE",
    "DIST": "DISTURBANCE",
    "DISTURBNC": "DISTURBANCE",
    "DISTRB": "DISTURBANCE",
    "SUSP": "SUSPICIOUS",
    "SUSPIC": "SUSPICIOUS",
    "SUS": "SUSPICIOUS",
    "SUSPCS": "SUSPICIOUS",
    "PERS": "PERSON",
    "PRSN": "PERSON",
    "SUBJ": "SUBJECT",
    "SUBJS": "SUBJECTS",
    "VEH": "VEHICLE",
    "VEHS": "VEHICLES",
    "VEHIC": "VEHICLE",
    "AUTO": "VEHICLE",
    "CAR": "VEHICLE",
    "MVA": "MOTOR VEHICLE ACCIDENT",
    "MVC": "MOTOR VEHICLE ACCIDENT",
    "TC": "TRAFFIC ACCIDENT",
    "ACC": "ACCIDENT",
    "ACCID": "ACCIDENT",
    "ACCDT": "ACCIDENT",
    "COLL": "ACCIDENT",
    "COLLISION": "ACCIDENT",
    "PI": "INJURY",
    "PD": "PROPERTY DAMAGE",
    "INJ": "INJURY",
    "INJRY": "INJURY",
    "INJD": "INJURED",
    "ALRM": "ALARM",
    "ALM": "ALARM",
    "ALRMS": "ALARM",
    "ALARMS": "ALARM",
    "W": "WITH",
    "WO": "WITHOUT",
    "DOA": "DEAD BODY",
    "DECEASED": "DEAD BODY",
    "DEAD": "DEAD BODY",
    "DV": "DOMESTIC VIOLENCE",
    "DOM": "DOMESTIC",
    "DOMESTC": "DOMESTIC",
    "FAM": "FAMILY",
    "ASSLT": "ASSAULT",
    "ASLT": "ASSAULT",
    "AGG": "AGGRAVATED",
    "AGGRAV": "AGGRAVATED",
    "AGGR": "AGGRAVATED",
    "ADW": "ASSAULT WITH DEADLY WEAPON",
    "BATT": "BATTERY",
    "BURG": "BURGLARY",
    "BURGL": "BURGLARY",
    "B&E": "BURGLARY",
    "BNE": "BURGLARY",
    "LARC": "LARCENY",
    "LARCENCY": "LARCENY",
    "THFT": "THEFT",
    "GLA": "VEHICLE THEFT",
    "STLN": "STOLEN",
    "ROBB": "ROBBERY",
    "RBRY": "ROBBERY",
    "HOLDUP": "HOLD UP",
    "NARC": "NARCOTICS",
    "NARCS": "NARCOTICS",
    "NARCOTICSOUTSIDE": "NARCOTICS",
    "NARCOTICSINSIDE": "NARCOTICS",
    "INTOX": "INTOXICATED",
    "INTOXD": "INTOXICATED",
    "DRUNK": "INTOXICATED",
    "DIP": "INTOXICATED PERSON",
    "DWI": "IMPAIRED DRIVER",
    "DUI": "IMPAIRED DRIVER",
    "OD": "OVERDOSE",
    "O/D": "OVERDOSE",
    "EDP": "EMOTIONALLY DISTURBED PERSON",
    "MENTAL": "MENTAL",
    "PSYCH": "PSYCHIATRIC",
    "PSYCHIATRIC": "PSYCHIATRIC",
    "SUIC": "SUICIDE",
    "SUICIDAL": "SUICIDE",
    "WELF": "WELFARE",
    "CHK": "CHECK",
    "CK": "CHECK",
    "W/B": "WELL BEING",
    "WELLBEING": "WELL BEING",
    "MISS": "MISSING",
    "MSNG": "MISSING",
    "MISSNG": "MISSING",
    "JUV": "JUVENILE",
    "JUVE": "JUVENILE",
    "TRESP": "TRESPASS",
    "TRESPASSING": "TRESPASS",
    "TRESPASSER": "TRESPASS",
    "HOMELESS": "HOMELESS",
    "TRANSIENT": "HOMELESS",
    "VAGRANT": "HOMELESS",
    "PARK": "PARKING",
    "PRKG": "PARKING",
    "PKG": "PARKING",
    "ILLEG": "ILLEGAL",
    "ILL": "ILLEGAL",
    "ABAND": "ABANDONED",
    "ABND": "ABANDONED",
    "DISABL": "DISABLED",
    "DISABLD": "DISABLED",
    "HAZ": "HAZARD",
    "HAZRD": "HAZARD",
    "HAZMAT": "HAZARDOUS MATERIALS",
    "TRAF": "TRAFFIC",
    "TRFC": "TRAFFIC",
    "FIRE": "FIRE",
    "STRUC": "STRUCTURE",
    "STRUCT": "STRUCTURE",
    "BLDG": "BUILDING",
    "RES": "RESIDENTIAL",
    "RESID": "RESIDENTIAL",
    "COMM": "COMMERCIAL",
    "COM": "COMMERCIAL",
    "MED": "MEDICAL",
    "MEDIC": "MEDICAL",
    "EMERG": "EMERGENCY",
    "EMER": "EMERGENCY",
    "UNK": "UNKNOWN",
    "UNKN": "UNKNOWN",
    "UNCON": "UNCONSCIOUS",
    "UNC": "UNCONSCIOUS",
    "UNCONSC": "UNCONSCIOUS",
    "RESP": "BREATHING",
    "SOB": "BREATHING",
    "DIFF": "DIFFICULTY",
    "BREATH": "BREATHING",
    "CVA": "STROKE",
    "SZ": "SEIZURE",
    "SEIZ": "SEIZURE",
    "CONVULSIONS": "SEIZURE",
    "CPR": "CARDIAC ARREST",
    "ARREST": "ARREST",
    "CHEST": "CHEST",
    "WARR": "WARRANT",
    "WRNT": "WARRANT",
    "WANTED": "WARRANT",
    "NOTIF": "NOTIFY",
    "INFO": "INFORMATION",
    "INV": "INVESTIGATE",
    "INVEST": "INVESTIGATE",
    "INVESTIGATION": "INVESTIGATE",
    "PROT": "PROTECTIVE",
    "PROTECT": "PROTECTIVE",
    "PROTECTION": "PROTECTIVE",
    "EXPARTE": "PROTECTIVE ORDER",
    "HU": "HANG UP",
    "H/U": "HANG UP",
    "HANGUP": "HANG UP",
    "ABAN": "ABANDONED",
    "DESTRUCT": "DESTRUCTION",
    "DEST": "DESTRUCTION",
    "PROP": "PROPERTY",
    "PROPTY": "PROPERTY",
    "VANDAL": "VANDALISM",
    "MISCH": "MISCHIEF",
    "GRAF": "GRAFFITI",
    "SHOTS": "SHOTS FIRED",
    "GUNSHOT": "SHOOTING",
    "GSW": "SHOOTING",
    "SHOTSPOT": "SHOTS FIRED",
    "STAB": "STABBING",
    "KNIFE": "KNIFE",
    "WPN": "WEAPON",
    "WEAP": "WEAPON",
    "ARMD": "ARMED",
    "NOISE": "NOISE",
    "LOUD": "LOUD",
    "MUSIC": "MUSIC",
    "PARTY": "PARTY",
    "PANHNDL": "PANHANDLING",
    "PANHANDLER": "PANHANDLING",
    "SOLICIT": "PANHANDLING",
    "DISORD": "DISORDERLY",
    "DISORDLY": "DISORDERLY",
    "CIT": "CITIZEN",
    "CITZ": "CITIZEN",
    "ASST": "ASSIST",
    "ASSIST": "ASSIST",
    "TRNSPORT": "TRANSPORT",
    "TRANSP": "TRANSPORT",
    "XPORT": "TRANSPORT",
    "VIOL": "VIOL",
    "RPT": "REPORT",
    "REPT": "REPORT",
    "REP": "REPORT",
    "F/U": "FOLLOW UP",
    "FU": "FOLLOW UP",
}

# MPDS-style suffixes and response-level words that say how, not what.
_SUFFIX_WORDS = {
    "ALPHA",
    "BRAVO",
    "CHARLIE",
    "DELTA",
    "ECHO",
    "OMEGA",
    "ALS",
    "BLS",
    "SUPV",
    "PRI",
    "PRIORITY",
    "P1",
    "P2",
    "P3",
    "P4",
    "DELAY",
    "DELAYED",
    "PROG",
    "INPROG",
    "IMMEDIATE",
    "PROMPT",
    "CRITICAL",
    "TRU",
    "HOT",
    "COLD",
    "NOW",
    "JUST",
    "OCCURRED",
    "POSS",
    "POSSIBLE",
    "ATT",
    "ATTEMPTED",
    "IP",
    "LEVEL",
    "CODE",
    "RESPONSE",
    "URGENT",
    "ROUTINE",
    "NONEMERG",
    "NON",
    "EMERGENT",
}
_MPDS_CODE = re.compile(r"\b(\d{1,2})\s*-?\s*([ABCDEO])\s*-?\s*(\d{1,2})([A-Z])?\b")
_MPDS_PROTOCOL: dict[int, str] = {
    1: "sick_person",
    2: "breathing_problem",
    3: "animal_bite",
    4: "assault",
    5: "sick_person",
    6: "breathing_problem",
    7: "injured_person",
    8: "hazmat",
    9: "cardiac_arrest",
    10: "heart_problem",
    11: "breathing_problem",
    12: "seizure",
    13: "sick_person",
    14: "water_rescue",
    15: "injured_person",
    16: "injured_person",
    17: "fall",
    18: "sick_person",
    19: "heart_problem",
    20: "environmental_exposure",
    21: "injured_person",
    22: "rescue",
    23: "overdose",
    24: "childbirth",
    25: "behavioral_crisis",
    26: "sick_person",
    27: "stabbing",
    28: "stroke",
    29: "traffic_accident_injury",
    30: "injured_person",
    31: "unconscious_person",
    32: "medical_emergency",
    33: "medical_transfer",
    34: "alarm_other",
    35: "medical_transfer",
    36: "sick_person",
    37: "medical_transfer",
}

# Keyword rules on the expanded text, most specific first. Each is (pattern, common type).
KEYWORD_RULES: tuple[tuple[str, str], ...] = (
    (
        r"\bNO VOICE\b|\bHANG UP\b|\bOPEN LINE\b|\b911 (DROP|HANG|OPEN|ABAN)"
        r"|\bSILENT 911\b|\bABANDONED 911\b",
        "no_voice_911",
    ),
    (
        r"\bSUICIDE\b.*\b(ATTEMPT|INJ|PILLS|TRAUMA|JUMP|HANGING)|\bJUMPER\b|\bATTEMPTED SUICIDE\b",
        "suicide_attempt",
    ),
    (r"\bSUICIDE\b|\bSUICIDAL\b|\b988\b", "suicidal_ideation"),
    (r"\bOVERDOSE\b|\bPOISON", "overdose"),
    (r"\bTRANSPORT\b.*\bMENTAL|\bMENTAL\b.*\bTRANSPORT\b", "mental_health_transport"),
    (r"\bPRISONER\b|\bTRANSPORT\b", "prisoner_transport"),
    (
        r"\bASSIST (OTHER|OUTSIDE) AGENCY\b|\bMUTUAL AID\b|\bASSIST (FIRE|EMS|POLICE)\b"
        r"|\bTRAFFIC DIRECTION\b",
        "assist_other_agency",
    ),
    (r"\bFIRE MARSHAL\b|\bFD INVESTIGATE\b|\bSPECIAL EVENT\b", "fire_service_call"),
    (
        r"\b(COLD|HEAT) EXPOSURE\b|\bHYPOTHERM|\bHEAT (STROKE|EXHAUSTION)\b|\bFROSTBITE\b",
        "environmental_exposure",
    ),
    (r"\bANIMAL BITE\b|\bDOG BITE\b|\bBITE\b", "animal_bite"),
    (r"\bANIMAL\b|\bDOG\b|\bCAT\b|\bWILDLIFE\b|\bSTRAY\b", "animal_complaint"),
    (
        r"\bEMERGENCY PETITION\b|\bMENTAL TRANSPORT\b|\b5150 (HOLD|EVAL)\b"
        r"|\bPSYCH(IATRIC)? (HOLD|EVAL|ESCORT)",
        "mental_health_transport",
    ),
    (
        r"\bBEHAVIOR|\bMENTAL|\bPSYCHIATRIC\b|\bEMOTIONALLY DISTURBED\b|\bCRISIS\b|\b5150\b",
        "behavioral_crisis",
    ),
    (r"\bIMPAIRED DRIVER\b|\bDRUNK DRIVER\b|\bINTOXICATED DRIVER\b", "dui"),
    (r"\bINTOXICATED\b|\bINEBRIATE", "intoxicated_person"),
    (r"\bCARDIAC ARREST\b|\bNOT BREATHING\b|\bCPR\b", "cardiac_arrest"),
    (r"\bCHEST PAIN\b|\bHEART\b|\bCARDIAC\b", "heart_problem"),
    (r"\bBREATHING\b|\bCHOK|\bALLERG|\bASTHMA", "breathing_problem"),
    (r"\bSTROKE\b", "stroke"),
    (r"\bSEIZURE\b", "seizure"),
    (r"\bUNCONSCIOUS\b|\bFAINT|\bSYNCOPE\b|\bALTERED (LOC|LEVEL)", "unconscious_person"),
    (r"\bDEAD BODY\b|\bDEATH\b", "death_investigation"),
    (r"\bCHILD ?BIRTH\b|\bPREGNAN|\bLABOR\b|\bOB\b|\bOBSTETRIC", "childbirth"),
    (r"\bFALL\b|\bFALLEN\b|\bFELL\b", "fall"),
    (r"\bLIFT ASSIST\b|\bPUBLIC SERVICE\b", "assist_citizen"),
    (r"\bMEDICAL ALARM\b|\bLIFE ?ALERT\b|\bLIFELINE\b", "alarm_medical"),
    (
        r"\bHOLD ?UP\b.*\bALARM\b|\bALARM\b.*\bHOLD ?UP\b|\bPANIC ALARM\b|\bROBBERY ALARM\b|\bDURESS\b",
        "alarm_holdup",
    ),
    (r"\bFIRE ALARM\b|\bSMOKE ALARM\b|\bSMOKE DETECTOR\b|\bPULL STATION\b", "fire_alarm"),
    (r"\bCO ALARM\b|\bCARBON MONOXIDE\b|\bCO INCIDENT\b", "carbon_monoxide"),
    (r"\bVEHICLE ALARM\b|\bONSTAR\b|\bTELEMATIC", "alarm_other"),
    (r"\bALARM\b", "alarm_burglar"),
    (r"\bSHOOTING\b|\bPERSON SHOT\b", "shooting"),
    (r"\bSHOTS FIRED\b|\bDISCH|\bGUNFIRE\b|\bSHOTSPOTTER\b", "shots_fired"),
    (r"\bSTABBING\b|\bCUTTING\b", "stabbing"),
    (r"\bCARJACK", "carjacking"),
    (r"\bROBBERY\b|\bSTRONG ?ARM\b|\bPURSE SNATCH", "robbery"),
    (r"\bDOMESTIC VIOL|\bDOMESTIC ASSAULT\b|\bDOMESTIC BATTERY\b", "domestic_violence"),
    (r"\bDOMESTIC\b|\bFAMILY\b", "domestic_dispute"),
    (r"\bHOMICIDE\b|\bMURDER\b", "homicide"),
    (r"\bRAPE\b|\bSEX(UAL)? (ASSAULT|OFFENSE|BATTERY)\b|\bSEX OFFENSE\b|\bMOLEST", "sex_offense"),
    (r"\bKIDNAP|\bABDUCT", "kidnapping"),
    (r"\bHOSTAGE\b|\bBARRICADE", "hostage_barricade"),
    (r"\bTHREAT", "threats"),
    (r"\bHARASS|\bSTALK", "harassment"),
    (r"\bARMED\b|\bWEAPON\b|\bGUN\b|\bKNIFE\b|\bFIREARM\b|\bBRANDISH", "armed_person"),
    (r"\bFIGHT\b", "fight"),
    (r"\bASSAULT\b|\bBATTERY\b", "assault"),
    (r"\bBURGLARY\b|\bBREAKING IN\b|\bBREAK IN\b", "burglary"),
    (r"\bSHOPLIFT", "shoplifting"),
    (
        r"\bLARCENY FROM VEHICLE\b|\bLARCENY F/?VEHICLE\b|\bTHEFT FROM VEHICLE\b|\bVEHICLE BREAK|\bBOOST",
        "larceny_from_auto",
    ),
    (r"\bRECOVER(ED|Y)?\b.*\bVEHICLE\b|\bVEHICLE\b.*\bRECOVER", "recovered_vehicle"),
    (r"\bVEHICLE THEFT\b|\bSTOLEN VEHICLE\b|\bVEHICLE STOLEN\b", "auto_theft"),
    (r"\bFRAUD\b|\bFORGERY\b|\bSCAM\b|\bEMBEZZL|\bFALSE PRETEN|\bIDENTITY\b|\bCOUNTERFEIT", "fraud"),
    (r"\bLARCENY\b|\bTHEFT\b|\bSTOLEN\b", "larceny"),
    (r"\bVANDALISM\b|\bDESTRUCTION\b|\bMISCHIEF\b|\bGRAFFITI\b", "vandalism"),
    (r"\bARSON\b", "arson"),
    (r"\bHIT AND RUN\b", "hit_and_run"),
    (
        r"\bACCIDENT\b.*\bINJUR|\bINJUR.*\bACCIDENT\b|\bPEDESTRIAN STRUCK\b|\bBICYCLIST STRUCK\b|\bENTRAP",
        "traffic_accident_injury",
    ),
    (r"\bACCIDENT\b|\bCRASH\b", "traffic_accident"),
    (r"\bPROPERTY DAMAGE\b|\bPROPERTY DESTRUCTION\b", "vandalism"),
    (r"\bTRAFFIC STOP\b|\bVEHICLE STOP\b|\bCAR STOP\b", "traffic_stop"),
    (
        r"\bRECKLESS\b|\bAGGRESSIVE DRIV|\bROAD RAGE\b|\bSPEEDING\b|\bRACING\b|\bTRAFFIC COMPLAINT\b",
        "reckless_driving",
    ),
    (r"\bABANDONED VEHICLE\b", "abandoned_vehicle"),
    (r"\bTOW|\bREPO|\bBOOT\b", "towed_vehicle"),
    (r"\bPARKING\b|\bBLOCKING DRIVEWAY\b|\bDOUBLE PARK", "parking_complaint"),
    (r"\bDISABLED VEHICLE\b|\bDISABLED MOTORIST\b|\bSTALLED\b|\bMOTORIST ASSIST", "disabled_vehicle"),
    (r"\bTRAFFIC\b.*\bHAZARD\b|\bHAZARD\b|\bDEBRIS\b|\bSIGNAL OUT\b|\bTRAFFIC CONTROL\b", "traffic_hazard"),
    (
        r"\bSTRUCTURE FIRE\b|\bBUILDING FIRE\b|\bHOUSE FIRE\b|\bAPPLIANCE FIRE\b|\bAPARTMENT FIRE\b",
        "structure_fire",
    ),
    (r"\bVEHICLE FIRE\b|\bCAR FIRE\b|\bTRUCK FIRE\b", "vehicle_fire"),
    (r"\bBRUSH\b|\bGRASS FIRE\b|\bOUTSIDE FIRE\b|\bDUMPSTER\b|\bTRASH FIRE\b|\bRUBBISH", "outside_fire"),
    (r"\bGAS LEAK\b|\bODOR OF GAS\b|\bGAS ODOR\b", "gas_leak"),
    (r"\bSMOKE\b|\bODOR\b", "smoke_odor"),
    (r"\bHAZARDOUS MATERIALS\b|\bSPILL\b|\bCHEMICAL", "hazmat"),
    (r"\bWIRES? DOWN\b|\bELECTRICAL HAZARD\b|\bTRANSFORMER\b|\bPOWER LINE", "electrical_hazard"),
    (r"\bEXPLOSION\b|\bEXPLOSIVE\b", "explosion"),
    (r"\bBOMB\b|\bSUSPICIOUS PACKAGE\b", "bomb_threat"),
    (r"\bWATER RESCUE\b|\bDROWN|\bMARINE\b|\bBOAT\b", "water_rescue"),
    (r"\bELEVATOR\b|\bRESCUE\b|\bCONFINED SPACE\b", "rescue"),
    (r"\bFIRE\b", "structure_fire"),
    (r"\bWELFARE\b|\bWELL BEING\b|\bCHECK ON\b", "welfare_check"),
    (r"\bHOMELESS\b|\bENCAMPMENT\b|\bSLEEPER\b|\bSLEEPING\b|\bCAMP", "homeless_person"),
    (r"\bRUNAWAY\b", "runaway_juvenile"),
    (r"\bMISSING\b", "missing_person"),
    (r"\bLOCK ?OUT\b|\bLOCKED OUT\b", "lockout"),
    (r"\bFOUND PROPERTY\b|\bPROPERTY FOUND\b|\bRECOVER(ED)? PROPERTY\b", "found_property"),
    (r"\bLOST PROPERTY\b|\bPROPERTY LOST\b", "lost_property"),
    (r"\bSTANDBY\b|\bKEEP THE PEACE\b", "civil_standby"),
    (r"\bCIVIL PROCESS\b|\bEVICTION\b", "civil_process"),
    (r"\bCIVIL\b|\bLANDLORD\b|\bTENANT\b|\bCUSTODY\b", "civil_matter"),
    (r"\bNOISE\b|\bLOUD\b|\bMUSIC\b|\bPARTY\b", "noise_complaint"),
    (r"\bVERBAL\b|\bDISPUTE\b|\bARGUMENT\b|\bNEIGHBOR", "verbal_dispute"),
    (r"\bTRESPASS\b|\bUNWANTED\b|\bSQUATTER", "trespass"),
    (r"\bPANHANDLING\b|\bBEGGING\b", "panhandling"),
    (r"\bINDECENT\b|\bEXPOSURE\b|\bLEWD\b", "indecent_exposure"),
    (r"\bJUVENILE\b|\bJUVENILES\b|\bTRUAN", "juvenile_disturbance"),
    (r"\bLOITER", "loitering"),
    (r"\bNARCOTICS\b|\bDRUG|\bDEALING\b", "narcotics_complaint"),
    (r"\bLIQUOR\b|\bOPEN CONTAINER\b|\bALCOHOL\b|\bDRINKING\b", "liquor_violation"),
    (r"\bPROSTITUT|\bVICE\b|\bGAMBLING\b", "prostitution"),
    (r"\bDUMPING\b|\bTRASH\b|\bLITTER", "illegal_dumping"),
    (r"\bFIREWORK", "fireworks"),
    (r"\bPROWLER\b|\bPEEPING\b|\bSUSPICIOUS PERSON\b|\bSUSPICIOUS SUBJECT\b", "suspicious_person"),
    (r"\bSUSPICIOUS VEHICLE\b|\bVEHICLE CHECK\b|\bOCCUPIED VEHICLE\b", "suspicious_vehicle"),
    (r"\bSUSPICIOUS\b", "suspicious_circumstances"),
    (r"\bPROTEST\b|\bDEMONSTRATION\b|\bRIOT\b|\bCROWD\b", "demonstration"),
    (r"\bDISORDERLY\b|\bDISTURBANCE\b|\bAGGRESSIVE\b|\bOBSTRUCT", "disorderly_person"),
    (r"\bPROTECTIVE\b|\bPEACE ORDER\b|\bRESTRAINING\b|\bEX PARTE\b", "protective_order"),
    (r"\bWARRANT\b|\bBOLO\b|\bATTEMPT TO LOCATE\b", "warrant_service"),
    (r"\bESCORT\b", "escort"),
    (r"\bBUSINESS CHECK\b|\bPREMISE CHECK\b|\bBAR CHECK\b", "business_check"),
    (r"\bPATROL\b|\bPASSING CALL\b|\bDETAIL\b", "directed_patrol"),
    (r"\bON ?VIEW", "investigation_proactive"),
    (r"\bFIELD INTERVIEW\b|\bSUBJECT STOP\b|\bPEDESTRIAN STOP\b|\bINVESTIGATE STOP\b", "field_interview"),
    (r"\bFOLLOW UP\b", "follow_up"),
    (r"\bWALK IN\b|\bREPORT\b", "report_only"),
    (r"\bASSIST\b|\bCITIZEN\b|\bFLAG ?DOWN\b", "assist_citizen"),
    (r"\bINFORMATION\b|\bNOTIFY\b", "information"),
    (r"\bADMIN|\bTEST CALL\b|\bTEST\b", "administrative"),
    (
        r"\bUNKNOWN TROUBLE\b|\bTROUBLE UNKNOWN\b|\bINVESTIGATE\b|\bCOMPLAINT UNKNOWN\b|\bSCREAMING\b",
        "unknown_trouble",
    ),
    (r"\bINJURED\b|\bINJURY\b|\bLACERATION\b|\bBLEEDING\b|\bBURN\b|\bTRAUMA", "injured_person"),
    (r"\bSICK\b|\bILL\b|\bPAIN\b|\bDIABETIC\b|\bHEADACHE\b|\bNAUSEA|\bVOMIT|\bFEVER\b", "sick_person"),
    (r"\bMEDICAL\b|\bAMBULANCE\b|\bEMS\b|\bMEDICS?\b", "medical_emergency"),
)
_COMPILED_RULES = tuple((re.compile(p), t) for p, t in KEYWORD_RULES)

# State statute sections that many US agencies use as call types (California penal, vehicle and welfare
# codes are the commonest in CAD exports). A leading section number names the offence.
STATUTE_SECTIONS: dict[str, str] = {
    "187": "homicide",
    "207": "kidnapping",
    "211": "robbery",
    "240": "assault",
    "242": "assault",
    "245": "assault",
    "246": "shots_fired",
    "261": "sex_offense",
    "273.5": "domestic_violence",
    "2735": "domestic_violence",
    "314": "indecent_exposure",
    "415": "disorderly_person",
    "417": "armed_person",
    "422": "threats",
    "459": "burglary",
    "470": "fraud",
    "484": "larceny",
    "487": "larceny",
    "488": "larceny",
    "496": "stolen_property",
    "594": "vandalism",
    "602": "trespass",
    "646": "harassment",
    "647B": "prostitution",
    "647F": "intoxicated_person",
    "5150": "behavioral_crisis",
    "10851": "auto_theft",
    "20001": "hit_and_run",
    "20002": "hit_and_run",
    "23152": "dui",
    "23153": "dui",
    "22500": "parking_complaint",
    "22502": "parking_complaint",
    "22514": "parking_complaint",
    "22651": "towed_vehicle",
    "23103": "reckless_driving",
}
_STATUTE = re.compile(r"^(?:POSS\s*|ATT\s*|PC\s*|VC\s*)?(\d{3,5}(?:\.\d)?[A-Z]?)\b")


def statute_type(text: str) -> str | None:
    """Common type from a leading statute section ("459", "647f", "22500e", "PC 245")."""
    match = _STATUTE.match(normalize_local_type(text))
    if not match:
        return None
    section = match.group(1)
    for candidate in (section, section.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")):
        if candidate in STATUTE_SECTIONS:
            return STATUTE_SECTIONS[candidate]
    return None


@dataclass(frozen=True)
class Suggestion:
    """A proposed mapping for one local call type, with how sure we are and why."""

    text: str
    common_type: str
    category: str
    pathway: str
    confidence: float
    method: str
    matched: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Clauses that say what a call type is *not*: "(EXCEPT ABANDONED CAR)", "(DOES NOT INCLUDE SHOPLIFT)",
# "- NOT DV", "- NO BIAS OR THREATS". Their words must not trigger keyword rules.
_EXCLUSION_PAREN = re.compile(r"\(\s*(?:EXCEPT|EXCL\w*|DOES NOT|DOESN'T|NOT|NO|OTHER THAN)\b[^)]*\)?")
_EXCLUSION_DASH = re.compile(r"\s-\s*(?:NOT|NO|EXCEPT)\s[^-()]*")


def drop_exclusions(key: str) -> str:
    """Remove negated clauses from a normalized call type before matching."""
    return _EXCLUSION_DASH.sub(" ", _EXCLUSION_PAREN.sub(" ", key)).strip()


def expand(text: str) -> str:
    """Normalized text with punctuation split off and abbreviations expanded, for matching only."""
    key = normalize_local_type(text)
    key = re.sub(r"[*#]+", " ", key)
    key = key.replace("W/", "WITH ").replace("F/", "FROM ").replace("B&E", "BURGLARY")
    key = re.sub(r"\bHAZ\s*MAT\b", "HAZMAT", key)
    key = re.sub(r"\bH\s*&\s*R\b|\bHIT\s*/\s*RUN\b|\bHIT\s*&\s*RUN\b", "HIT AND RUN", key)
    key = drop_exclusions(key)
    tokens = re.split(r"[\s/\-,.;:()\[\]]+", key)
    out = [ABBREVIATIONS.get(tok, tok) for tok in tokens if tok]
    return " ".join(out)


def strip_suffixes(expanded: str) -> str:
    """Drop MPDS determinants, response levels and timing words ("ALS 1", "CHARLIE", "IN PROG", "DELAY")."""
    text = _MPDS_CODE.sub(" ", expanded)
    words = [w for w in text.split() if w not in _SUFFIX_WORDS and not re.fullmatch(r"\d{1,2}", w)]
    text = " ".join(words)
    text = re.sub(r"\bIN\s*$", "", text).strip()
    return text or expanded


def _similarity(a: str, b: str, **_: object) -> float:
    """Mostly whole-string similarity; token-set overlap counts for a third, so a short word does not
    score 100 against every long name that happens to contain it."""
    return (2.0 * fuzz.ratio(a, b) + fuzz.token_set_ratio(a, b)) / 3.0


def mpds_type(text: str) -> str | None:
    """Common type from an MPDS-style code (protocol number + determinant level), if the text carries one."""
    match = _MPDS_CODE.search(normalize_local_type(text))
    if not match:
        return None
    return _MPDS_PROTOCOL.get(int(match.group(1)))


def keyword_type(clean: str) -> str | None:
    for pattern, type_id in _COMPILED_RULES:
        if pattern.search(clean):
            return type_id
    return None


MIN_SIMILARITY = 0.62
"""Below this similarity (and with no rule or code) the suggester says `unmapped` rather than guess."""


class Suggester:
    """Proposes common types for unseen local call types from reviewed examples, rules and codes."""

    def __init__(
        self,
        catalogue: Catalogue,
        examples: Iterable[tuple[str, str]],
        use_rules: bool = True,
        use_similarity: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.use_rules = use_rules
        self.use_similarity = use_similarity
        knowledge: dict[str, str] = {}
        for t in catalogue:
            knowledge.setdefault(strip_suffixes(expand(t.name)), t.id)
            knowledge.setdefault(strip_suffixes(expand(t.id.replace("_", " "))), t.id)
        self._exact: dict[str, str] = {}
        for text, type_id in examples:
            if type_id == UNMAPPED or type_id not in catalogue:
                continue
            self._exact.setdefault(normalize_local_type(text), type_id)
            knowledge.setdefault(strip_suffixes(expand(text)), type_id)
        self._choices = list(knowledge)
        self._types = [knowledge[c] for c in self._choices]

    @classmethod
    def from_crosswalks(
        cls,
        crosswalks: Sequence[Crosswalk | str],
        catalogue: Catalogue | None = None,
        use_rules: bool = True,
        use_similarity: bool = True,
    ) -> Suggester:
        cat = catalogue or load_catalogue()
        loaded = [load_crosswalk(x) if isinstance(x, str) else x for x in crosswalks]
        examples = [(e.local_call_type, e.common_type) for xw in loaded for e in xw.entries]
        return cls(cat, examples, use_rules=use_rules, use_similarity=use_similarity)

    def _make(self, text: str, type_id: str, confidence: float, method: str, matched: str = "") -> Suggestion:
        if type_id == UNMAPPED:
            return Suggestion(text, UNMAPPED, UNMAPPED, "police", round(confidence, 3), method, matched)
        t = self.catalogue.get(type_id)
        return Suggestion(text, t.id, t.category, t.default_responder, round(confidence, 3), method, matched)

    def suggest(self, text: str) -> Suggestion:
        """Best proposal for one local call type; `unmapped` with confidence 0 when nothing fits."""
        key = normalize_local_type(text)
        if not key:
            return self._make(text, UNMAPPED, 0.0, "empty")
        if key in self._exact:
            return self._make(text, self._exact[key], 1.0, "known", key)
        clean = strip_suffixes(expand(text))
        code = (mpds_type(text) or statute_type(text)) if self.use_rules else None
        rule = keyword_type(clean) if self.use_rules else None
        if rule is None and self.use_rules and re.search(r"\b(ALS|BLS)\b", key):
            rule = "medical_emergency"  # a medical response level with no complaint named
        best: tuple[str, float, str] | None = None
        if self.use_similarity and self._choices:
            top = process.extractOne(clean, self._choices, scorer=_similarity)
            if top is not None:
                best = (self._types[top[2]], float(top[1]) / 100.0, str(top[0]))
        if code:
            agree = best is not None and best[0] == code
            return self._make(text, code, 0.95 if agree else 0.85, "code")
        if best is not None and best[1] >= 0.97:
            return self._make(
                text,
                best[0],
                min(0.99, 0.9 * best[1] + (0.08 if rule == best[0] else 0.0)),
                "similarity",
                best[2],
            )
        if rule:
            if best is not None and best[0] == rule:
                return self._make(text, rule, min(0.95, 0.75 + 0.2 * best[1]), "keyword+similarity", best[2])
            return self._make(text, rule, 0.7, "keyword")
        if best is not None and best[1] >= MIN_SIMILARITY:
            return self._make(text, best[0], 0.8 * best[1] - 0.1, "similarity", best[2])
        return self._make(text, UNMAPPED, 0.0, "none")

    def suggest_many(self, texts: Iterable[str]) -> list[Suggestion]:
        return [self.suggest(t) for t in texts]


CONFIDENCE_BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01))


@dataclass(frozen=True)
class HoldoutResult:
    """Accuracy of suggestions for one agency's reviewed vocabulary, learnt without that agency.

    Unweighted figures count each distinct call type once. Weighted figures (when row counts are given)
    count calls, which is what coverage means to a city. `by_confidence` shows whether the stated
    confidence can be trusted: accuracy per confidence band, distinct call types.
    """

    held_out: str
    known_from: tuple[str, ...]
    n: int
    type_accuracy: float
    category_accuracy: float
    unmapped: int
    rows: int | None = None
    weighted_type_accuracy: float | None = None
    weighted_category_accuracy: float | None = None
    by_confidence: tuple[dict[str, float], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def holdout_evaluation(
    crosswalks: Sequence[Crosswalk],
    held_out: str,
    catalogue: Catalogue | None = None,
    use_rules: bool = True,
    use_similarity: bool = True,
    row_counts: Mapping[str, int] | None = None,
) -> HoldoutResult:
    """Build the suggester from every crosswalk except `held_out`, then score it on `held_out`'s entries.

    Each distinct key of the held-out crosswalk counts once; the reviewed mapping is the truth.
    `row_counts` (calls per local call type, any spelling) adds call-weighted accuracy.
    """
    cat = catalogue or load_catalogue()
    known = [x for x in crosswalks if x.name != held_out]
    target = next(x for x in crosswalks if x.name == held_out)
    suggester = Suggester.from_crosswalks(known, cat, use_rules=use_rules, use_similarity=use_similarity)
    weights: dict[str, int] = {}
    for text, count in (row_counts or {}).items():
        key = normalize_local_type(text)
        weights[key] = weights.get(key, 0) + int(count)
    n = type_hits = cat_hits = misses = 0
    w_total = w_type = w_cat = 0
    bands = [[0, 0] for _ in CONFIDENCE_BANDS]
    for entry in target:
        s = suggester.suggest(entry.local_call_type)
        type_ok = s.common_type == entry.common_type
        cat_ok = s.category == cat.category_of(entry.common_type)
        n += 1
        type_hits += type_ok
        cat_hits += cat_ok
        misses += s.common_type == UNMAPPED
        w = weights.get(entry.key, 0)
        w_total += w
        w_type += w * type_ok
        w_cat += w * cat_ok
        for i, (lo, hi) in enumerate(CONFIDENCE_BANDS):
            if lo <= s.confidence < hi:
                bands[i][0] += 1
                bands[i][1] += type_ok
    by_conf = tuple(
        {"low": lo, "high": min(hi, 1.0), "n": float(b[0]), "type_accuracy": b[1] / b[0] if b[0] else 0.0}
        for (lo, hi), b in zip(CONFIDENCE_BANDS, bands, strict=True)
    )
    weighted = row_counts is not None and w_total > 0
    return HoldoutResult(
        held_out,
        tuple(x.name for x in known),
        n,
        type_hits / n if n else 0.0,
        cat_hits / n if n else 0.0,
        misses,
        rows=w_total if row_counts is not None else None,
        weighted_type_accuracy=w_type / w_total if weighted else None,
        weighted_category_accuracy=w_cat / w_total if weighted else None,
        by_confidence=by_conf,
    )
