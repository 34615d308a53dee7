#include "textflag.h"

// func Inb(port uint16) uint8
TEXT ·Inb(SB),NOSPLIT,$0-9
	MOVW	port+0(FP), DX
	BYTE	$0xEC			// IN AL, DX
	MOVB	AL, ret+8(FP)
	RET

// func Inw(port uint16) uint16
TEXT ·Inw(SB),NOSPLIT,$0-10
	MOVW	port+0(FP), DX
	BYTE	$0x66; BYTE $0xED	// IN AX, DX
	MOVW	AX, ret+8(FP)
	RET

// func Inl(port uint16) uint32
TEXT ·Inl(SB),NOSPLIT,$0-12
	MOVW	port+0(FP), DX
	BYTE	$0xED			// IN EAX, DX
	MOVL	AX, ret+8(FP)
	RET

// func Outb(port uint16, v uint8)
TEXT ·Outb(SB),NOSPLIT,$0-3
	MOVW	port+0(FP), DX
	MOVB	v+2(FP), AL
	BYTE	$0xEE			// OUT DX, AL
	RET

// func Outw(port uint16, v uint16)
TEXT ·Outw(SB),NOSPLIT,$0-4
	MOVW	port+0(FP), DX
	MOVW	v+2(FP), AX
	BYTE	$0x66; BYTE $0xEF	// OUT DX, AX
	RET

// func Outl(port uint16, v uint32)
TEXT ·Outl(SB),NOSPLIT,$0-8
	MOVW	port+0(FP), DX
	MOVL	v+4(FP), AX
	BYTE	$0xEF			// OUT DX, EAX
	RET
