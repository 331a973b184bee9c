/* Emulated COM1 of a partition: see vuart.h. Register layout from the PC16550D data sheet. */
#include "core/vuart.h"
#include "core/lib/string.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define LCR_DLAB    0x80
#define MCR_LOOP    0x10
#define IER_RDI	    0x01
#define IER_THRI    0x02
#define IIR_NO_INT  0x01
#define IIR_THRI    0x02
#define IIR_RDI	    0x04
#define IIR_FIFO_ON 0xc0
#define FCR_FIFO_ON 0x01
#define LSR_DR	    0x01
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define MSR_CTS	    0x10
#define MSR_DSR	    0x20
#define MSR_DCD	    0x80

void vuart_reset(struct vuart *u)
{
	memset(u, 0, sizeof(*u));
}

void vuart_write(struct vuart *u, u32 reg, u8 val, vuart_line_fn emit, void *ctx)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case RBR_THR:
		if (dlab)
			u->dll = val;
		else if (!(u->mcr & MCR_LOOP)) /* loopback: the byte never leaves the chip */
			guest_line_put(&u->line, val, emit, ctx); /* guesttext.h */
		break;
	case IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = val & 0xc9; /* enable, DMA mode, trigger level; resets self-clear */
		break;
	case LCR:
		u->lcr = val;
		break;
	case MCR:
		u->mcr = val & 0x1f;
		break;
	case SCR:
		u->scr = val;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

/* In loopback, the modem outputs come back as inputs: DTR->DSR, RTS->CTS, OUT1->RI,
 * OUT2->DCD. Otherwise the line looks connected: DCD, DSR and CTS. */
static u8 modem_status(const struct vuart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return (u8)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) | ((u->mcr & 0x04) << 4) |
		    ((u->mcr & 0x08) << 4));
}

bool vuart_receive(struct vuart *u, u8 byte)
{
	if (u->rx_count == VUART_RX)
		return false;
	u->rx[(u->rx_head + u->rx_count++) % VUART_RX] = byte;
	return true;
}

static u8 take_rx(struct vuart *u)
{
	u8 c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX;
	u->rx_count--;
	return c;
}

/* Interrupt identification, highest priority first: received data, then THR empty. */
static u8 interrupt_id(const struct vuart *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	return (u->ier & IER_THRI) ? IIR_THRI : IIR_NO_INT;
}

u8 vuart_read(struct vuart *u, u32 reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 fifo = (u->fcr & FCR_FIFO_ON) ? IIR_FIFO_ON : 0;

	switch (reg) {
	case RBR_THR:
		return dlab ? u->dll : take_rx(u);
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		return (u8)(fifo | interrupt_id(u));
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return (u8)(LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0));
	case MSR:
		return modem_status(u);
	default:
		return u->scr;
	}
}
